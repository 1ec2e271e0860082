"""Where the client finds Gatehouse, and the name it gives an agent that did not choose one.

URL: the ``url`` argument, else ``GATEHOUSE_URL``, else the seeds' variable (below), else
``server.json`` in the data directory (``data_dir``, ``$GATEHOUSE_HOME`` or ``~/.gatehouse``),
re-read on every request so a restarted server on another port is found. Key: the ``api_key``
argument, else ``GATEHOUSE_API_KEY``, else the seeds' variable, else the ``agent_key`` of
``credentials.json``.

The seeds' variables come after Gatehouse's own, so their programs run configured as the seeds say
(``OWKAI_API_URL`` / ``OWKAI_API_KEY`` in python_sdk_example.py, ``ASCEND_API_URL`` /
``ASCEND_API_KEY`` in their ``.env``) — but only where they point at this machine: a URL is taken only
when its host is loopback (``127.0.0.1``, ``localhost``, ``[::1]``), a key only when it is a Gatehouse
key (``gk_…``). The seeds' own values (``https://pilot.owkai.app``, ``ascend_admin_…``) are ignored,
so nothing about an agent's actions leaves the machine because of a variable left over from the
cloud product.
"""

from __future__ import annotations

import json
import os
import re
import sys
import urllib.parse
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


SEED_URL_VARS = ("OWKAI_API_URL", "ASCEND_API_URL")
SEED_KEY_VARS = ("OWKAI_API_KEY", "ASCEND_API_KEY")
_LOOPBACK = re.compile(r"^(localhost|127(\.\d{1,3}){3}|::1)$", re.IGNORECASE)


def _local_url(value: Optional[str]) -> Optional[str]:
    """``value`` when it is an http(s) URL on a loopback host, else None."""
    if not value:
        return None
    try:
        parts = urllib.parse.urlsplit(value.strip())
        host = parts.hostname or ""
    except ValueError:
        return None
    return value.strip() if parts.scheme in ("http", "https") and _LOOPBACK.match(host) else None


def seed_url() -> Optional[str]:
    """The seeds' URL variable, when it names this machine."""
    for name in SEED_URL_VARS:
        url = _local_url(os.environ.get(name))
        if url:
            return url
    return None


def seed_key() -> Optional[str]:
    """The seeds' key variable, when it holds a Gatehouse key."""
    for name in SEED_KEY_VARS:
        key = (os.environ.get(name) or "").strip()
        if key.startswith("gk_"):
            return key
    return None


def resolve_url(explicit: Optional[str], directory: Optional[str]) -> Optional[str]:
    url = explicit or os.environ.get("GATEHOUSE_URL") or seed_url()
    if not url:
        info = read_json(os.path.join(data_dir(directory), "server.json"))
        url = info.get("url") if info and isinstance(info.get("url"), str) else None
    return url.rstrip("/") if url else None


def resolve_key(explicit: Optional[str], directory: Optional[str]) -> Optional[str]:
    key = explicit or os.environ.get("GATEHOUSE_API_KEY") or seed_key()
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
