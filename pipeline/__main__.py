import logging
import os
import sys

from pipeline.cli import main

code = main()
# The command is done and its outputs are written and closed. Leave without freeing the run's
# objects one by one (the de-identification library's word tries, the tables): on a large
# export Python's own teardown took half a second. Output streams are flushed first; an
# uncaught error never gets here and leaves the usual way, with its traceback.
logging.shutdown()
sys.stdout.flush()
sys.stderr.flush()
os._exit(code)
