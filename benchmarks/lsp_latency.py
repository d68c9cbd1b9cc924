"""Time from ``didChange`` to ``publishDiagnostics`` in the language server.

    python benchmarks/lsp_latency.py [--lines 2000] [--edits 30] [--json]

Starts ``flake8-async-review lsp`` as a subprocess (needs the ``lsp`` extra), opens a
generated file of about ``--lines`` lines (async handlers, some with a blocking call),
then sends ``--edits`` single-character edits one at a time with ``debounce`` set to 0,
and measures how long each takes until the diagnostics of that version arrive. The
figure excludes the debounce delay an editor would add (250 ms by default).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.client import LanguageClient


def source(lines: int) -> str:
    header = "import time\n\nimport requests\n\n"
    blocks = []
    i = 0
    while len(header.splitlines()) + 5 * len(blocks) < lines:
        call = "time.sleep(1)" if i % 10 == 0 else f"await fetch(url, {i})"
        blocks.append(f"\nasync def handler_{i}(url):\n    data = {call}\n    return data\n\n")
        i += 1
    return header + "".join(blocks)


async def run(lines: int, edits: int) -> dict[str, Any]:
    received: dict[int, float] = {}
    counts: dict[int, int] = {}
    arrived = asyncio.Event()
    client = LanguageClient("lsp-latency", "1")

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def diagnostics(params: types.PublishDiagnosticsParams) -> None:
        if params.version is not None:
            received[params.version] = time.perf_counter()
            counts[params.version] = len(params.diagnostics)
            arrived.set()

    await client.start_io(sys.executable, "-m", "flake8_async_review", "lsp")
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        path = root / "big.py"
        text = source(lines)
        await asyncio.to_thread(path.write_text, text, encoding="utf-8")
        await client.initialize_async(types.InitializeParams(
            capabilities=types.ClientCapabilities(), root_uri=root.as_uri(),
            initialization_options={"debounce": 0}))
        client.initialized(types.InitializedParams())
        uri = path.as_uri()
        client.text_document_did_open(types.DidOpenTextDocumentParams(
            types.TextDocumentItem(uri=uri, language_id="python", version=1, text=text)))
        await _wait(arrived, received, 1)
        latencies = []
        line = text.count("\n") - 1
        for version in range(2, edits + 2):
            sent = time.perf_counter()
            client.text_document_did_change(types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                content_changes=[types.TextDocumentContentChangePartial(
                    range=types.Range(types.Position(line, 0), types.Position(line, 0)), text="#")],
            ))
            await _wait(arrived, received, version)
            latencies.append((received[version] - sent) * 1000)
        await client.shutdown_async(None)
        client.exit(None)
        await client.stop()
    return {
        "lines": text.count("\n"), "diagnostics": counts.get(edits + 1),
        "edits": edits, "median_ms": round(statistics.median(latencies), 1),
        "p90_ms": round(sorted(latencies)[int(len(latencies) * 0.9) - 1], 1),
        "max_ms": round(max(latencies), 1),
    }


async def _wait(arrived: asyncio.Event, received: dict[int, float], version: int) -> None:
    while version not in received:
        arrived.clear()
        await asyncio.wait_for(arrived.wait(), 60)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=2000)
    parser.add_argument("--edits", type=int, default=30)
    parser.add_argument("--json", action="store_true")
    options = parser.parse_args()
    result = asyncio.run(run(options.lines, options.edits))
    if options.json:
        print(json.dumps(result))
    else:
        print(f"{result['lines']} lines, {result['diagnostics']} diagnostics, {result['edits']} edits: "
              f"didChange -> publishDiagnostics median {result['median_ms']} ms, "
              f"p90 {result['p90_ms']} ms, max {result['max_ms']} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
