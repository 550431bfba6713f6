"""Test-session settings, loaded by pytest before any test module."""

import os

# scikit-learn's check_array_api_input is skipped unless SciPy's array-API
# mode is on; it must be set before SciPy is first imported.
os.environ.setdefault("SCIPY_ARRAY_API", "1")
