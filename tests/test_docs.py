"""The Sphinx site builds with warnings as errors, and its key pages are there.

The build runs on a copy of the checkout's ``docs/``, ``examples/``,
``skbp/``, ``README.md`` and ``benchmarks/results.*`` in a scratch
directory, in the gallery's quick mode (``SKBP_DOCS_QUICK=1``: a few fast
examples executed with ``SKBP_EXAMPLES_QUICK=1``), so it neither writes into
the working tree nor reuses an earlier build's cached gallery.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GENERATED = (
    "_build",
    "_gallery",
    "_generated",
    "auto_examples",
    "generated",
    "sg_execution_times.rst",
)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """Build the site once; return the HTML output folder."""
    tmp = tmp_path_factory.mktemp("docs")
    repo = tmp / "repo"
    shutil.copytree(
        ROOT / "docs", repo / "docs", ignore=shutil.ignore_patterns(*GENERATED)
    )
    shutil.copytree(ROOT / "examples", repo / "examples")
    shutil.copytree(
        ROOT / "skbp", repo / "skbp", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copy(ROOT / "README.md", repo / "README.md")
    (repo / "benchmarks").mkdir()
    for name in ("results.json", "results.md", "scaling.json"):
        shutil.copy(ROOT / "benchmarks" / name, repo / "benchmarks")
    html = tmp / "html"
    env = dict(os.environ, SKBP_DOCS_QUICK="1", MPLBACKEND="Agg")
    env.pop("SKBP_EXAMPLES_QUICK", None)  # quick mode sets it
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "sphinx",
            "-W",
            "--keep-going",
            "-b",
            "html",
            str(repo / "docs"),
            str(html),
        ],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, (
        f"sphinx exited with {result.returncode}\n"
        f"--- stderr ---\n{result.stderr[-6000:]}\n"
        f"--- stdout ---\n{result.stdout[-3000:]}"
    )
    return html


def text_of(page):
    """The page's text without tags, entities decoded enough to search."""
    raw = page.read_text(encoding="utf-8")
    return re.sub(r"<[^>]+>", "", raw).replace("&amp;", "&").replace("&quot;", '"')


def test_landing_page(site):
    index = site / "index.html"
    assert index.is_file()
    text = text_of(index)
    # README's Quickstart commands, included from README.md.
    assert "pip install . && python -m skbp" in text
    assert 'pip install ".[test]" && python -m pytest' in text
    # The comparison tables are one link away, on the switching page.
    assert "Compared with scikit-learn" in text
    raw = index.read_text(encoding="utf-8")
    assert 'href="user_guide/switching.html#compared-with-mlpclassifier"' in raw
    switching = text_of(site / "user_guide" / "switching.html")
    for heading in (
        "What to know before you switch",
        "Compared with MLPClassifier",
        "Compared with MLPRegressor",
    ):
        assert heading in switching


def test_api_page_of_the_classifier(site):
    page = site / "generated" / "skbp.BackpropClassifier.html"
    assert page.is_file()
    raw = page.read_text(encoding="utf-8")
    for member in ("fit", "partial_fit", "predict_proba", "decision_function"):
        assert f'id="skbp.BackpropClassifier.{member}"' in raw, member
    assert "hidden_layer_sizes" in raw
    for name in (
        "BackpropRegressor",
        "loss_and_gradients",
        "gradient_check",
        "InvalidParameterError",
        "TRUSTED_SKOPS_TYPES",
    ):
        assert (site / "generated" / f"skbp.{name}.html").is_file(), name


def test_derivation_is_typeset_and_links_into_the_api(site):
    page = site / "derivation.html"
    assert page.is_file()
    raw = page.read_text(encoding="utf-8")
    # MathJax is loaded, from the copy bundled with the site.
    assert re.search(r'<script[^>]+src="[^"]*_static/mathjax/tex-svg\.js', raw)
    assert (site / "_static" / "mathjax" / "tex-svg.js").is_file()
    # $...$ and $$...$$ became MathJax's inline and display markup.
    assert '<span class="math notranslate nohighlight">\\(' in raw
    assert '<div class="math notranslate nohighlight">' in raw
    assert "\\begin{aligned}" in raw
    # Inline code naming public objects and examples links to their pages.
    assert 'href="generated/skbp.loss_and_gradients.html' in raw
    assert 'href="auto_examples/plot_gradient_check.html' in raw


def test_gallery_page_has_output_and_figure(site):
    page = site / "auto_examples" / "plot_regressor.html"
    assert page.is_file()
    raw = page.read_text(encoding="utf-8")
    assert "sphx-glr-script-out" in raw  # printed output captured
    figures = re.findall(r'src="\.\./(_images/sphx_glr_plot_regressor_\d+\.png)"', raw)
    assert figures, "no figure on the gallery page"
    for figure in figures:
        path = site / figure
        assert path.is_file() and path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (site / "auto_examples" / "index.html").is_file()


#: Phrases of the project's own history, or of the build machine spoken of as
#: the reader's, that user pages must not carry (the changelog alone tells
#: history).  Measured figures name their hardware instead.
NOT_FOR_USERS = [
    r"\bthis (?:[\w-]+ )?(?:machine|VM|virtual machine|box)\b",
    r"\bthis session\b",
    r"\b(?:our|this project's|the project's) sessions?\b",
    r"\bhave had no GPU\b",
    r"\bset so far\b",
    r"\bin earlier runs\b",
    r"\buntested here\b",
]


def user_pages(site):
    """Every page a user reads: landing, install, guide, FAQ, examples,
    performance (the generated API pages come from docstrings)."""
    pages = [p for p in site.rglob("*.html") if "_modules" not in p.parts]
    skip = {"changelog.html", "genindex.html", "search.html", "py-modindex.html"}
    return [p for p in pages if p.name not in skip]


def test_user_pages_speak_to_the_user(site):
    pages = user_pages(site)
    assert len(pages) > 20
    found = []
    for page in pages:
        text = text_of(page)
        for pattern in NOT_FOR_USERS:
            for match in re.finditer(pattern, text, flags=re.IGNORECASE):
                context = text[max(0, match.start() - 60) : match.end() + 60]
                found.append(f"{page.relative_to(site)}: ...{context!r}...")
    assert not found, "\n".join(found)


@pytest.mark.parametrize(
    "page", ["install", "faq", "user_guide/tips", "performance", "changelog"]
)
def test_new_pages_are_in_the_site(site, page):
    path = site / f"{page}.html"
    assert path.is_file(), page
    # Linked from the navigation: the landing page's toctree reaches it.
    assert f'href="{page}.html' in (site / "index.html").read_text(
        encoding="utf-8"
    ) or page.startswith("user_guide/")


def test_landing_page_starts_with_a_first_model(site):
    text = text_of(site / "index.html")
    body = text[text.index("trained by back-propagation derived by hand") :]
    first_code = body.index("from sklearn.datasets import load_digits")
    assert first_code < body.index("Compared with scikit-learn")
    assert "see below" not in text


def test_performance_page_draws_the_benchmarks(site):
    raw = (site / "performance.html").read_text(encoding="utf-8")
    images = re.findall(r'src="(_images/perf_\w+\.png)"', raw)
    assert len(images) == 3, images
    for image in images:
        assert (site / image).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    machine = __import__("json").loads(
        (ROOT / "benchmarks" / "results.json").read_text(encoding="utf-8")
    )["machine"]
    assert machine["cpu"] in text_of(site / "performance.html")


def test_network_page_covers_activations_init_and_dropout(site):
    # Issue 17: one user-guide page on choosing activations, dropout and init,
    # stating the one estimator-check exception that dropout brings.
    text = text_of(site / "user_guide" / "network.html")
    for heading in ("Choosing an activation", "Your own activation", "Initial weights"):
        assert heading in text
    dropout = text[text.index("Dropout") :]
    assert "check_sample_weight_equivalence_" in dropout
    assert "lbfgs" in dropout and "dropout_masks" in dropout


# ------------------------------------------- README, and the pages including it

README = (ROOT / "README.md").read_text(encoding="utf-8")
INCLUDE = re.compile(
    r"```\{include\} (?:\.\./)+README\.md\n"
    r':start-after: "(?P<start>[^"]+)"\n:end-before: "(?P<end>[^"]+)"\n```'
)


def test_readme_fits_on_a_few_screens():
    assert len(README.splitlines()) <= 250


def test_readme_quickstart_commands_unchanged():
    block = re.search(r"## Quickstart\n\n```bash\n(.*?)```", README, flags=re.S)
    assert block.group(1).splitlines() == [
        "pip install . && python -m skbp",
        'pip install ".[test]" && python -m pytest',
    ]


def test_pages_include_whole_readme_sections_once():
    """Each page that includes README takes one whole section (from its heading
    to the next heading of its level), and no section appears on two pages."""
    headings = re.findall(r"(?m)^## .*$", README)
    seen = {}
    for page in sorted((ROOT / "docs").rglob("*.md")):
        for match in INCLUDE.finditer(page.read_text(encoding="utf-8")):
            start, end = match["start"], match["end"]
            assert start in headings, (page.name, start)
            following = headings[headings.index(start) + 1]
            assert following.startswith(end), (page.name, start, end, following)
            assert start not in seen, (page.name, seen.get(start), start)
            seen[start] = page.name


def test_readme_lists_every_example():
    listed = set(re.findall(r"`(plot_\w+\.py)`", README))
    examples = {path.name for path in (ROOT / "examples").glob("plot_*.py")}
    assert examples <= listed, sorted(examples - listed)
