"""YAML reading shared by the knowledge, intents, synonyms and case files."""

from __future__ import annotations

import yaml

# The C loader when PyYAML was built with libyaml: about ten times faster on the knowledge files
# (helpbot kb lint reads 5,000 questions), same results and the same error marks.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
