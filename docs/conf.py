"""Sphinx configuration of skbp's site.

Build (warnings are errors), from the repository root::

    python -m sphinx -W --keep-going -b html docs docs/_build/html

Quick mode, as the test suite builds it: ``SKBP_DOCS_QUICK=1`` runs the
gallery's examples with ``SKBP_EXAMPLES_QUICK=1`` (seconds each) and executes
all but the slowest to start (``QUICK_SKIPS``), which still get their page,
with code and text but no output.  ``SKBP_DOCS_QUICK=0`` (the default) runs
every example at full size: minutes.  ``SKBP_DOCS_EXAMPLES=plot_gpu.py,...``
executes just the examples named, ``SKBP_DOCS_EXAMPLES=all`` every one, in
either mode; ``-D plot_gallery=0`` (sphinx-gallery's own switch) executes none.

MathJax: the pages load MathJax 3 from ``_static/mathjax/`` (the TeX-to-SVG
build, one file, so that the equations render offline and from ``file://``);
``SKBP_DOCS_MATHJAX=cdn`` uses Sphinx's default, a CDN.
"""

import os
import re
import shutil
import sys
from pathlib import Path

# plot_gpu.py: SciPy's array-API mode must be on before SciPy is first
# imported, and examples run inside this process.
os.environ.setdefault("SCIPY_ARRAY_API", "1")

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))  # document (and run the examples on) this checkout
sys.path.insert(0, str(DOCS / "_ext"))

import skbp_docs  # noqa: E402
import sphinx_gallery  # noqa: E402

import skbp  # noqa: E402

QUICK = os.environ.get("SKBP_DOCS_QUICK", "0") == "1"
os.environ.setdefault("SKBP_EXAMPLES_QUICK", "1" if QUICK else "0")

#: Not executed in quick mode: the slowest to start (PyTorch's import, a dask
#: cluster of worker processes); every other example is.
QUICK_SKIPS = ["plot_gpu.py", "plot_dask.py", "plot_dask_distributed.py"]
# SKBP_DOCS_EXAMPLES="plot_gpu.py,plot_onnx.py" executes just those (any mode);
# "all" executes every example.
_chosen = os.environ.get("SKBP_DOCS_EXAMPLES", "")

# -- Project ---------------------------------------------------------------

project = "skbp"
author = "the skbp developers"
copyright = "the skbp developers"
release = version = skbp.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "myst_parser",
    "sphinx_gallery.gen_gallery",
    "skbp_docs",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
templates_path = ["_templates"]
exclude_patterns = [
    "_build",
    "_ext",
    "_gallery",
    "_generated",
    "_templates",
    "gallery_header.rst",
    "**.ipynb_checkpoints",
    "auto_examples/*.ipynb",
    "auto_examples/*.py",
    "auto_examples/*.zip",
    "auto_examples/*.md5",
    "auto_examples/*.json",
]
default_role = "py:obj"

# -- Markdown (MyST) -------------------------------------------------------

myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]
myst_dmath_double_inline = True
myst_heading_anchors = 3

# -- API reference ---------------------------------------------------------

autosummary_generate = True
autodoc_default_options = {"member-order": "groupwise"}
autodoc_typehints = "none"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
add_module_names = False
toc_object_entries_show_parents = "hide"  # "fit()", not "BackpropClassifier.fit()"

# -- Performance page ------------------------------------------------------

# Figures drawn from benchmarks/results.json, the benchmark script's output.
BENCHMARK_MACHINE = skbp_docs.draw_benchmarks(
    ROOT / "benchmarks" / "results.json", DOCS / "_generated"
)

# -- Gallery ---------------------------------------------------------------

GALLERY_SRC = DOCS / "_gallery"  # scratch copy of examples/ (see skbp_docs)
EXAMPLES, _removed = skbp_docs.stage_gallery(
    ROOT / "examples", DOCS / "gallery_header.rst", GALLERY_SRC
)

# Which examples are executed (the others are shown with their code only).
if _chosen == "all" or (not _chosen and not QUICK):
    _run = EXAMPLES
elif _chosen:
    _run = [name.strip() for name in _chosen.split(",") if name.strip()]
else:
    _run = [name for name in EXAMPLES if name not in QUICK_SKIPS]
# An example whose optional packages are missing is shown, not run.
for _name in list(_run):
    if _missing := skbp_docs.missing_imports(_name):
        print(f"skbp docs: not running {_name}, which needs {', '.join(_missing)}")
        _run.remove(_name)

# sphinx-gallery reruns an example only when its file changed: after a switch
# between quick and full builds, forget what was run, so that every page's
# output is of the mode it says.
_gallery_out = DOCS / "auto_examples"
_mode_file = _gallery_out / ".skbp-mode"
_mode = f"SKBP_EXAMPLES_QUICK={os.environ['SKBP_EXAMPLES_QUICK']} run={_run}\n"
# An example removed from examples/ takes its page (and its line in the
# execution times) with it.
if _removed or (_mode_file.exists() and _mode_file.read_text() != _mode):
    shutil.rmtree(_gallery_out, ignore_errors=True)
    (DOCS / "sg_execution_times.rst").unlink(missing_ok=True)
_gallery_out.mkdir(exist_ok=True)
_mode_file.write_text(_mode)

sphinx_gallery_conf = {
    "examples_dirs": ["_gallery"],
    "gallery_dirs": ["auto_examples"],
    "filename_pattern": (
        "/(" + "|".join(re.escape(name) for name in _run) + ")$" if _run else "(?!)"
    ),
    "ignore_pattern": r"__init__\.py|GALLERY_HEADER",
    "within_subsection_order": "skbp_docs.ExampleOrder",
    "reset_modules": (
        "matplotlib",
        "skbp_docs.reset_sklearn_config",
        "skbp_docs.guard_sys_exit",
    ),
    "reset_modules_order": "both",
    "doc_module": ("skbp",),
    "backreferences_dir": "generated/backreferences",
    "remove_config_comments": True,
    "download_all_examples": False,
    "show_memory": False,
    "min_reported_time": 0,
    "capture_repr": (),
}

# Before 0.22, sphinx-gallery links the examples' code to this site's API pages
# only when told to (0.22 does it unasked, and deprecates the option).
if tuple(int(p) for p in sphinx_gallery.__version__.split(".")[:2]) < (0, 22):
    sphinx_gallery_conf["reference_url"] = {"skbp": None}

# -- HTML ------------------------------------------------------------------

html_theme = "pydata_sphinx_theme"
html_title = f"skbp {release}"
html_static_path = ["_static"]
html_css_files = ["skbp.css"]
html_show_sourcelink = False
html_theme_options = {
    "logo": {"text": "skbp"},
    "navbar_align": "left",
    "show_toc_level": 2,
    "navigation_with_keys": False,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version", "theme-version"],
}
html_sidebars = {"index": [], "derivation": []}

if os.environ.get("SKBP_DOCS_MATHJAX", "local") != "cdn":
    mathjax_path = "mathjax/tex-svg.js"

if QUICK:
    tags.add("skbp_quick")  # noqa: F821 (Sphinx defines tags in conf.py)
