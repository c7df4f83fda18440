"""AWS Cloud Practitioner course: calculators, data, the AWS sandbox and grading tools."""

import sys

# jsonschema (under nbformat and nbgrader) imports rfc3987_syntax when it is installed, which builds
# about 35 Earley parsers for the rarely used "iri" formats: 1.1 s for every process that imports
# nbformat (python-jsonschema/jsonschema#1392, #1428). No notebook or nbgrader schema uses those
# formats, so the course's processes tell jsonschema it is absent; jsonschema then skips them.
sys.modules.setdefault("rfc3987_syntax", None)
