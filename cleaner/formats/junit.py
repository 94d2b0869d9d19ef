"""JUnit XML: one ``<testsuite>`` per checked file, one failing ``<testcase>`` per diagnostic.

A file with nothing to report gets one passing test case, so CI dashboards
count it.  Characters that XML 1.0 cannot carry are replaced by ``\\uXXXX``.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import defaultdict

from cleaner.formats import Report
from cleaner.formats.text import _printable

_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml(s: str) -> str:
    return _NOT_XML.sub(lambda m: f"\\u{ord(m.group()):04x}", _printable(s))


def junit(report: Report) -> str:
    by_file: dict[str, list] = defaultdict(list)
    for d in report.diagnostics:
        by_file[d["path"]].append(d)
    files = list(dict.fromkeys([*report.files, *by_file]))
    root = ET.Element("testsuites", name="cleaner", tests="0", failures="0", errors="0")
    total = failures = 0
    for path in files:
        diags = by_file.get(path, [])
        suite = ET.SubElement(root, "testsuite", name=_xml(path), tests=str(max(len(diags), 1)),
                              failures=str(len(diags)), errors="0", skipped="0")
        if not diags:
            ET.SubElement(suite, "testcase", name="no findings", classname=_xml(path))
            total += 1
        for d in diags:
            case = ET.SubElement(suite, "testcase", name=f"{d['code']} {d['name']} at {d['line']}:{d['column']}",
                                 classname=_xml(path), file=_xml(path), line=str(d["line"]))
            fail = ET.SubElement(case, "failure", message=_xml(d["message"]), type=d["code"])
            fail.text = _xml(f"{path}:{d['line']}:{d['column']}: {d['code']} {d['message']} [{d['severity']}]")
            total += 1
            failures += 1
    for path, message in report.errors:
        suite = ET.SubElement(root, "testsuite", name=_xml(path), tests="1", failures="0", errors="1", skipped="0")
        case = ET.SubElement(suite, "testcase", name="read", classname=_xml(path))
        ET.SubElement(case, "error", message=_xml(message))
        total += 1
    root.set("tests", str(total))
    root.set("failures", str(failures))
    root.set("errors", str(len(report.errors)))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
