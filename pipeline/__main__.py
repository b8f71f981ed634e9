import atexit
import os
import sys
import threading

from pipeline.cli import main

code = main()
# The command is done and its outputs are written and closed. Leave without freeing the run's
# objects one by one (the de-identification library's word tries, the tables): on a large
# export Python's own teardown took half a second. What a normal exit does besides is done
# first: threads that are not daemons are stopped and joined (deduce's loader may be writing its
# cache), the exit functions run (logging, multiprocessing, temporary folders), and the output
# streams are flushed (a closed pipe gives exit code 120, as Python's own exit does). Where the
# interpreter lacks those steps, it leaves the usual way. An uncaught error never gets here.
if not (hasattr(threading, "_shutdown") and hasattr(atexit, "_run_exitfuncs")):
    sys.exit(code)
threading._shutdown()
atexit._run_exitfuncs()
for stream in (sys.stdout, sys.stderr):
    try:
        stream.flush()
    except (OSError, ValueError):
        code = code or 120
os._exit(code)
