"""Reports: findings and checks rendered as text, JSON, Markdown or SARIF.

```python
from decree8.report import Finding, Check, Report, OutputFormat, write_report
finding = Finding.for_rule("HOLDER-IDENTIFIED", "receiver has no attestation", source="mined",
                           tx_hash="0x..", block=12, parties=[("from", a), ("to", b)])
text = write_report(Report(title="Audit", findings=(finding,)), OutputFormat.MARKDOWN, path=None)
```
"""

from __future__ import annotations

from decree8.report.interface import Formatter
from decree8.report.json import SCHEMA_ID, JsonFormatter, report_to_dict
from decree8.report.markdown import MarkdownFormatter
from decree8.report.output import OutputFormat, write_report
from decree8.report.sarif import SarifFormatter, report_to_sarif
from decree8.report.text import TextFormatter
from decree8.result import SOURCES, Check, Finding, Report, iso_utc

__all__ = [
    "SCHEMA_ID",
    "SOURCES",
    "Check",
    "Finding",
    "Formatter",
    "JsonFormatter",
    "MarkdownFormatter",
    "OutputFormat",
    "Report",
    "SarifFormatter",
    "TextFormatter",
    "iso_utc",
    "report_to_dict",
    "report_to_sarif",
    "write_report",
]
