"""The seeds' ``ascend`` module: the Gatehouse SDK under the name ASCEND code imports.

``from ascend import AscendClient, Decision, FailMode, AuthorizationDeniedError, TimeoutError`` gives
the Gatehouse classes (see ``gatehouse``). Put ``sdk/python`` and ``sdk/python/compat`` on
``PYTHONPATH``.
"""

from gatehouse import *  # noqa: F401,F403 - the same names
from gatehouse import TimeoutError  # noqa: A004,F401 - the seeds' explicit import (kept out of __all__)
from gatehouse import __all__, __version__  # noqa: F401
