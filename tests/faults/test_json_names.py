"""Issue 10.10: JSON output is strict UTF-8, with non-UTF-8 file names in one documented form:
"path" with U+FFFD for each undecodable byte, plus "path_bytes", the exact name in base64."""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.conftest import CliResult, make_photo

Cli = Callable[..., CliResult]


def strict_json(result: CliResult) -> Any:
    assert result.returncode == 0, result.stderr
    value = json.loads(result.stdout.encode("utf-8", "surrogateescape").decode("utf-8"))
    # Python's json accepts "\udce9"; strict parsers (jq, serde, browsers' TextDecoder) do not.
    json.dumps(value, ensure_ascii=False).encode("utf-8")
    return value


def test_non_utf8_names_in_json(cli: Cli, tmp_path: Path) -> None:
    folder = os.path.join(os.fsencode(tmp_path), b"photos")
    os.mkdir(folder)
    bad = os.path.join(folder, b"caf\xe9.jpg")
    make_photo(bad, 1)
    make_photo(os.path.join(folder, b"plain.jpg"), 2)
    profile = tmp_path / "profile"
    strict_json(cli(profile, "index", folder, "--json"))

    hits = strict_json(cli(profile, "similar", os.path.join(folder, b"plain.jpg"), "--json"))
    (hit,) = hits
    assert hit["path"] == os.fsdecode(folder) + "/caf\ufffd.jpg"
    assert base64.b64decode(hit["path_bytes"]) == bad
    plain = strict_json(cli(profile, "similar", bad, "--json"))
    assert plain[0]["path"].endswith("/plain.jpg") and "path_bytes" not in plain[0]

    status = strict_json(cli(profile, "status", "--json"))
    assert status["photos"] == 2
