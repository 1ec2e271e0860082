"""Where the client finds Gatehouse, and the name it gives an agent that did not choose one.

URL: the ``url`` argument, else ``GATEHOUSE_URL``, else ``server.json`` in the data directory
(``data_dir``, ``$GATEHOUSE_HOME`` or ``~/.gatehouse``), re-read on every request so a restarted
server on another port is found. Key: the ``api_key`` argument, else ``GATEHOUSE_API_KEY``, else the
``agent_key`` of ``credentials.json``. The seeds' ``OWKAI_*`` / ``ASCEND_*`` variables are not read:
they point at the commercial cloud, and nothing leaves this machine unless the user says so here.
"""

from __future__ import annotations

import json
import os
import re
import sys
from typing import Any, Dict, Optional


def data_dir(explicit: Optional[str]) -> str:
    if explicit:
        return os.path.abspath(os.path.expanduser(explicit))
    if os.environ.get("GATEHOUSE_HOME"):
        return os.path.abspath(os.path.expanduser(os.environ["GATEHOUSE_HOME"]))
    return os.path.join(os.path.expanduser("~"), ".gatehouse")


def read_json(path: str) -> Optional[Dict[str, Any]]:
    try:
        with open(path, "r", encoding="utf-8") as f:
            v = json.load(f)
        return v if isinstance(v, dict) else None
    except (OSError, ValueError):
        return None


def resolve_url(explicit: Optional[str], directory: Optional[str]) -> Optional[str]:
    url = explicit or os.environ.get("GATEHOUSE_URL")
    if not url:
        info = read_json(os.path.join(data_dir(directory), "server.json"))
        url = info.get("url") if info and isinstance(info.get("url"), str) else None
    return url.rstrip("/") if url else None


def resolve_key(explicit: Optional[str], directory: Optional[str]) -> Optional[str]:
    key = explicit or os.environ.get("GATEHOUSE_API_KEY")
    if not key:
        creds = read_json(os.path.join(data_dir(directory), "credentials.json"))
        key = creds.get("agent_key") if creds and isinstance(creds.get("agent_key"), str) else None
    return key


_NOT_ID = re.compile(r"[^A-Za-z0-9._:-]+")


def default_agent_id() -> str:
    """A stable agent id from the running script's name (``02_aws_lambda.py`` → ``02_aws_lambda``),
    so the same script is the same agent run after run; ``python-agent`` in a REPL or ``-c``."""
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None) or (sys.argv[0] if sys.argv and sys.argv[0] not in ("", "-c", "-m") else "")
    stem = os.path.splitext(os.path.basename(path))[0] if path else ""
    if stem in ("__main__", "__init__") and path:
        stem = os.path.basename(os.path.dirname(os.path.abspath(path)))
    stem = _NOT_ID.sub("-", stem).strip("-.:")[:128]
    return stem or "python-agent"
