"""`http.tls`: the service serves HTTPS itself, for a building without a reverse proxy.

    http:
      listen: 0.0.0.0:8443
      public_url: https://escalator.home.example
      tls: {cert: /etc/escalator/tls/fullchain.pem, key: /etc/escalator/tls/privkey.pem}

A manager's board cookie must not cross the building LAN in clear text. With
`tls` the listener speaks only TLS (1.2 and up) and the board's cookies are
`Secure`. Relative paths are read beside the config file. The files are loaded
when the service starts (a wrong path or a key that does not fit the
certificate stops the start with the reason); like every `http` key, a change
takes effect at a restart.
"""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import Any

from escalator.config.model import TlsConfig
from escalator.config.problem import phrase
from escalator.config.validators import At, Problems, mapping, text
from escalator.domain.errors import ConfigError

TLS_KEYS = ("cert", "key")


def parse_tls(problems: Problems, at: At) -> TlsConfig | None:
    if at.value is None:
        return None
    if mapping(problems, at, TLS_KEYS, TLS_KEYS, expected=phrase("cfg.want.tls")) is None:
        return None
    cert_at, key_at = at.key("cert"), at.key("key")
    cert = text(problems, cert_at, phrase("cfg.want.file_path")) if cert_at else None
    key = text(problems, key_at, phrase("cfg.want.file_path")) if key_at else None
    return TlsConfig(cert, key) if cert and key else None


def server_context(tls: TlsConfig, config_path: str | None) -> ssl.SSLContext:
    """An SSL context for the listener; raises OSError/ssl.SSLError with the reason."""
    base = Path(config_path).parent if config_path else Path.cwd()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(base / tls.cert, base / tls.key)
    return context


def listener_context(tls: TlsConfig, config_path: str | None) -> ssl.SSLContext:
    """`http.tls` loaded, or the reason it cannot be (a missing file, a key that does
    not fit its certificate) as a config error: the service does not start on it."""
    try:
        return server_context(tls, config_path)
    except (OSError, ssl.SSLError) as exc:
        reason = getattr(exc, "strerror", None) or getattr(exc, "reason", None) or str(exc)
        raise ConfigError([f"http.tls: cannot use the certificate or key: {reason}"]) from None


def tls_schema() -> dict[str, Any]:
    return {"type": "object", "additionalProperties": False, "required": list(TLS_KEYS),
            "description": "Serve HTTPS: the certificate chain and its key (PEM files).",
            "properties": {"cert": {"type": "string", "minLength": 1},
                           "key": {"type": "string", "minLength": 1}}}
