"""NCMEC's published CyberTipline schema (schema/cyber_tipline.xsd, origin in
schema/SOURCES.md), and the one way documents are parsed and checked against it.

Every document is validated before it is sent, and the sandbox validates what it receives
with the same schema, so a document the client would send is one NCMEC's validator takes.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from lxml import etree

SCHEMA_PATH = Path(__file__).resolve().parent / "schema" / "cyber_tipline.xsd"


def parser() -> etree.XMLParser:
    """A parser that fetches nothing, expands no entities and refuses huge documents."""
    return etree.XMLParser(
        resolve_entities=False, no_network=True, huge_tree=False, remove_blank_text=False
    )


@cache
def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMA_PATH), parser()))


def parse(document: str | bytes) -> etree._Element:
    """The document's root element; raises etree.XMLSyntaxError if it is not well-formed."""
    data = document.encode() if isinstance(document, str) else document
    return etree.fromstring(data, parser())


def problems(document: str | bytes) -> list[str]:
    """What the schema's validator says is wrong with the document; empty when it is valid."""
    try:
        root = parse(document)
    except etree.XMLSyntaxError as exc:
        return [f"not well-formed XML: {exc}"]
    checker = schema()
    if checker.validate(root):
        return []
    return [f"line {e.line}: {e.message}" for e in checker.error_log]
