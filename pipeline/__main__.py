import logging
import os
import sys
import threading

from pipeline.cli import main

code = main()
# The command is done and its outputs are written and closed. Leave without freeing the run's
# objects one by one (the de-identification library's word tries, the tables): on a large
# export Python's own teardown took half a second. What a normal exit still guarantees is kept:
# threads that are not daemons finish first (deduce's loader may be writing its cache), and
# the output streams are flushed. An uncaught error never gets here and leaves the usual way.
for thread in threading.enumerate():
    if thread is not threading.current_thread() and not thread.daemon:
        thread.join()
logging.shutdown()
sys.stdout.flush()
sys.stderr.flush()
os._exit(code)
