"""Helpers for skbp's Sphinx site (loaded by docs/conf.py).

* ``stage_gallery``: copies ``examples/plot_*.py`` and the gallery's header
  into a scratch folder that sphinx-gallery runs them from (the examples save
  their figures to the working directory, which sphinx-gallery sets to the
  script's folder: this keeps ``examples/`` clean, and ``examples/`` needs no
  gallery header of its own).
* ``ExampleOrder``: the gallery's order (a sphinx-gallery sort key).
* ``reset_sklearn_config``: run before each example, so that an example that
  turns on scikit-learn's array-API dispatch does not leave it on for the next.
* ``missing_imports``, ``guard_sys_exit``: an example whose optional packages
  are missing is not run, and ``sys.exit`` in an example is an example error
  rather than the end of the build.
* ``LinkCodeLiterals``: inline code that names a public object or an example
  (``BackpropClassifier``, ``skbp.loss_and_gradients``, ``MLPClassifier``,
  ``examples/plot_gradient_check.py``, ``docs/derivation.md``, written in
  backticks) becomes a link to its page, so that Markdown written for GitHub
  (``docs/derivation.md``, README sections) links into the API reference and
  the gallery without any Sphinx roles in it.
* ``draw_benchmarks``: the performance page's figures, drawn at build time
  from ``benchmarks/results.json`` and ``benchmarks/scaling.json`` (the
  benchmarks' own output).
* ``link_sklearn``: references to ``sklearn.*`` objects, which no inventory
  resolves offline, link to scikit-learn's API pages; so do the glossary terms
  and labels in docstrings inherited from scikit-learn.
"""

import filecmp
import importlib.util
import re
import shutil
import sys
from pathlib import Path

import sklearn
from docutils import nodes
from sphinx import addnodes
from sphinx.transforms import SphinxTransform

#: The gallery's order: first steps, then comparisons, then the internals.
EXAMPLE_ORDER = [
    "plot_quickstart.py",
    "plot_regressor.py",
    "plot_compare_mlp.py",
    "plot_grid_search.py",
    "plot_regularization.py",
    "plot_alpha_boundaries.py",
    "plot_first_layer_weights.py",
    "plot_out_of_core.py",
    "plot_gpu.py",
    "plot_dask.py",
    "plot_dask_distributed.py",
    "plot_onnx.py",
    "plot_seed_network.py",
    "plot_gradient_check.py",
]

#: Examples that need optional packages: without them an example prints a
#: note and calls ``sys.exit(0)``, which would end the whole Sphinx build, so
#: such an example is shown without being run.
OPTIONAL_IMPORTS = {
    "plot_gpu.py": ("torch",),
    "plot_dask.py": ("dask", "distributed", "dask_ml"),
    "plot_dask_distributed.py": ("dask", "distributed"),
    "plot_onnx.py": ("skl2onnx", "onnxruntime"),
    "plot_alpha_boundaries.py": ("matplotlib",),
    "plot_first_layer_weights.py": ("matplotlib",),
}

#: Public names as they appear in inline code -> the object they name.
PUBLIC = {
    "BackpropClassifier": "skbp.BackpropClassifier",
    "BackpropRegressor": "skbp.BackpropRegressor",
    "loss_and_gradients": "skbp.loss_and_gradients",
    "gradient_check": "skbp.gradient_check",
    "InvalidParameterError": "skbp.InvalidParameterError",
    "TRUSTED_SKOPS_TYPES": "skbp.TRUSTED_SKOPS_TYPES",
    "MLPClassifier": "sklearn.neural_network.MLPClassifier",
    "MLPRegressor": "sklearn.neural_network.MLPRegressor",
}
#: Names of the derivation (the seed document's, and the file's).
DERIVATION = ("deriving-backprop.md", "docs/derivation.md")
_EXAMPLE = re.compile(r"^(?:examples/)?(plot_\w+)\.py$")
_MEMBER = re.compile(r"^[A-Za-z_]\w*$")

_SYS_EXIT = sys.exit
#: scikit-learn's global configuration as the build found it.
_SKLEARN_CONFIG = sklearn.get_config()
SKLEARN_SITE = "https://scikit-learn.org/stable/"


def stage_gallery(examples, header, staged):
    """Mirror ``examples/plot_*.py`` and ``header`` into ``staged``.

    Files are copied only when their content changed, so sphinx-gallery's
    checksums (and so its cache of executed examples) stay valid.  Returns
    the examples' names and those of examples staged before but gone now.
    """
    examples, staged = Path(examples), Path(staged)
    staged.mkdir(parents=True, exist_ok=True)
    wanted = {p.name: p for p in sorted(examples.glob("plot_*.py"))}
    wanted["GALLERY_HEADER.rst"] = Path(header)
    removed = []
    for stale in staged.iterdir():  # old examples, and files examples saved
        if stale.is_file() and stale.name not in wanted:
            stale.unlink()
            if stale.suffix == ".py":
                removed.append(stale.name)
    for name, source in wanted.items():
        target = staged / name
        if not target.exists() or not filecmp.cmp(source, target, shallow=False):
            shutil.copyfile(source, target)
    return sorted(n for n in wanted if n.endswith(".py")), removed


def missing_imports(example):
    """The optional modules ``example`` needs that are not installed."""
    return [
        name
        for name in OPTIONAL_IMPORTS.get(example, ())
        if importlib.util.find_spec(name) is None
    ]


def guard_sys_exit(gallery_conf, fname, when):
    """sphinx-gallery ``reset_modules`` hook: while an example runs,
    ``sys.exit`` raises an error (a failed example) instead of ending the
    Sphinx process, which sphinx-gallery does not guard against."""
    if when == "before":

        def refuse(code=None):
            raise RuntimeError(
                f"{fname} called sys.exit({code!r}), which would end the "
                "documentation build; install what it needs (see "
                "skbp_docs.OPTIONAL_IMPORTS)."
            )

        sys.exit = refuse
    else:
        _restore_sys_exit()


def _restore_sys_exit():
    sys.exit = _SYS_EXIT


class ExampleOrder:
    """sphinx-gallery ``within_subsection_order``: ``EXAMPLE_ORDER``, then
    any other example by name."""

    def __init__(self, src_dir):
        self.src_dir = src_dir

    def __call__(self, filename):
        name = Path(filename).name
        if name in EXAMPLE_ORDER:
            return (EXAMPLE_ORDER.index(name), name)
        return (len(EXAMPLE_ORDER), name)


def reset_sklearn_config(gallery_conf, fname):
    """Restore scikit-learn's global configuration (array-API dispatch and
    the rest) before each example, as it was when the build started."""
    sklearn.set_config(**_SKLEARN_CONFIG)


def _public_target(text):
    """The object that inline code ``text`` names, or None.

    ``BackpropClassifier``, ``skbp.loss_and_gradients``, ``MLPClassifier``; a
    method (``BackpropClassifier.partial_fit``) links to the method, an
    attribute (``MLPClassifier.coefs_``) to its class.
    """
    head, _, member = text.removeprefix("skbp.").partition(".")
    if head not in PUBLIC or (member and not _MEMBER.match(member)):
        return None
    if member and not head[:1].isupper():  # a file name: gradient_check.png
        return None
    if member and not member.endswith("_"):
        return f"{PUBLIC[head]}.{member}"
    return PUBLIC[head]


class LinkCodeLiterals(SphinxTransform):
    """Turn inline code naming a public object or an example into a link."""

    default_priority = 500

    def apply(self, **kwargs):
        docname = self.env.docname
        for literal in list(self.document.findall(nodes.literal)):
            parent = literal.parent
            if isinstance(parent, (nodes.reference, addnodes.pending_xref)):
                continue
            if isinstance(parent, nodes.literal_block):
                continue
            text = literal.astext()
            target = _public_target(text)
            example = _EXAMPLE.match(text)
            if target:
                xref = addnodes.pending_xref(
                    "",
                    refdomain="py",
                    reftype="obj",
                    reftarget=target,
                    refexplicit=True,
                    refwarn=True,
                    refdoc=docname,
                )
            elif text in DERIVATION and docname != "derivation":
                xref = addnodes.pending_xref(
                    "",
                    refdomain="std",
                    reftype="doc",
                    reftarget="/derivation",
                    refexplicit=True,
                    refwarn=True,
                    refdoc=docname,
                )
            elif example:
                xref = addnodes.pending_xref(
                    "",
                    refdomain="std",
                    reftype="doc",
                    reftarget="/auto_examples/" + example.group(1),
                    refexplicit=True,
                    refwarn=True,
                    refdoc=docname,
                )
            else:
                continue
            parent.replace(literal, xref)
            xref += literal


#: Labels of scikit-learn's user guide that its inherited docstrings use.
SKLEARN_LABELS = {
    "metadata_routing": "metadata_routing.html",
    "accuracy_score": "modules/model_evaluation.html#accuracy-score",
    "r2_score": "modules/model_evaluation.html#r2-score",
}


def link_sklearn(app, env, node, contnode):
    """``missing-reference`` handler for what only scikit-learn's site has.

    ``sklearn.a.B`` (or ``sklearn.a.B.m``) links to scikit-learn's page for
    ``sklearn.a.B``, since no inventory resolves it offline; and the
    glossary terms and user-guide labels in the docstrings of methods
    inherited from scikit-learn (``score``, ``get_metadata_routing``, ...)
    link to its glossary and user guide.
    """
    domain, target = node.get("refdomain"), node.get("reftarget", "")
    if domain == "py" and target.startswith("sklearn."):
        uri = _sklearn_api_uri(target)
    elif domain == "std" and "docstring of sklearn." in (node.source or ""):
        if node.get("reftype") == "term":
            slug = re.sub(r"[^a-z0-9]+", "-", target.lower()).strip("-")
            uri = SKLEARN_SITE + "glossary.html#term-" + slug
        elif node.get("reftype") == "ref":
            page = SKLEARN_LABELS.get(target, "search.html?q=" + target)
            uri = SKLEARN_SITE + page
        else:
            return None
    else:
        return None
    ref = nodes.reference("", "", internal=False, refuri=uri, reftitle=target)
    ref += contnode
    return ref


def _sklearn_api_uri(target):
    """scikit-learn's page for ``target``: ``sklearn.x.Y[.method]`` is on the
    page of ``sklearn.x.Y`` (the first CamelCase or last component)."""
    parts = target.split(".")
    for i, part in enumerate(parts[1:], start=1):
        if part[:1].isupper() or i == len(parts) - 1:
            page = ".".join(parts[: i + 1])
            break
    uri = SKLEARN_SITE + "modules/generated/" + page + ".html"
    return uri if page == target else uri + "#" + target


def setup(app):
    app.add_transform(LinkCodeLiterals)
    app.connect("missing-reference", link_sklearn)
    # However the gallery ended, sys.exit is itself again afterwards.
    app.connect("env-before-read-docs", lambda *args: _restore_sys_exit())
    app.connect("build-finished", lambda *args: _restore_sys_exit())
    return {"parallel_read_safe": True, "parallel_write_safe": True}


def draw_benchmarks(results, folder):
    """Draw ``benchmarks/results.json`` (``results``) as the performance
    page's figures in ``folder``: time per unit and peak memory of each
    configuration, skbp beside scikit-learn's MLP (and PyTorch's CPU loop
    where measured).  Returns the machine's one-line description."""
    import json

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    data = json.loads(Path(results).read_text(encoding="utf-8"))
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rows = data["rows"]
    names = [row["name"] for row in rows]
    machine = data["machine"]
    where = (
        f"{machine['cpu']}, {machine['cores']} cores; NumPy {machine['numpy']}, "
        f"scikit-learn {machine['sklearn']}; {data['date'][:10]}"
    )
    _draw_speed(plt, rows, names, where, folder / "perf_speed.png")
    _draw_memory(plt, rows, names, where, folder / "perf_memory.png")
    scaling = Path(results).with_name("scaling.json")
    if scaling.is_file():  # benchmarks/scaling.py's output, beside results.json
        _draw_rows(plt, json.loads(scaling.read_text(encoding="utf-8")), folder)
    return where


def _draw_rows(plt, data, folder):
    """CPU seconds per epoch and peak memory against the training rows."""
    machine = data["machine"]
    where = f"{machine['cpu']}, one BLAS thread; {data['date'][:10]}"
    rows = [row["rows"] for row in data["rows"]]
    fig, (ax_time, ax_mem) = plt.subplots(1, 2, figsize=(10, 4))
    for who, label in (("skbp", "skbp"), ("mlp", "MLPClassifier")):
        ax_time.loglog(
            rows, [r[who]["median"] for r in data["rows"]], "o-", label=label
        )
        ax_mem.plot(rows, [r[who]["peak_mib"] for r in data["rows"]], "o-", label=label)
    ax_time.set(
        xlabel="training rows",
        ylabel="CPU seconds per epoch",
        title="time: linear in the rows",
    )
    ax_mem.set(
        xlabel="training rows",
        ylabel="peak MiB of a one-epoch fit",
        title="memory beyond the data",
        ylim=(0, None),
    )
    for ax in (ax_time, ax_mem):
        ax.legend()
        ax.grid(alpha=0.3)
    ax_time.set_xticks(rows, [f"{n:,}" for n in rows], minor=False)
    ax_time.xaxis.set_minor_formatter(plt.NullFormatter())
    setting = data["setting"].split(";")[0]
    fig.suptitle(f"{setting}\n{where}", fontsize=8)
    fig.tight_layout()
    fig.savefig(folder / "perf_rows.png", dpi=100)
    plt.close(fig)


def _draw_speed(plt, rows, names, where, path):
    """Time of each configuration relative to MLP's (MLP = 1), bars per library."""
    fig, ax = plt.subplots(figsize=(10, 4.2))
    y = range(len(rows))
    for shift, who, label in (
        (-0.27, "skbp", "skbp"),
        (0, "mlp", "MLP"),
        (0.27, "torch", "PyTorch CPU loop"),
    ):
        ratio = [
            row[who]["median"] / row["mlp"]["median"] if row.get(who) else 0.0
            for row in rows
        ]
        ax.barh([i + shift for i in y], ratio, height=0.26, label=label)
    ax.axvline(1.0, c="gray", lw=0.8)
    ax.set_yticks(list(y), [f"{n} ({row['unit']})" for n, row in zip(names, rows)])
    ax.invert_yaxis()
    ax.set(
        xlabel="time relative to MLPClassifier / MLPRegressor (shorter is faster)",
        title=f"speed per configuration — {where}",
    )
    ax.title.set_fontsize(9)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _draw_memory(plt, rows, names, where, path):
    """Peak memory (tracemalloc MiB) of each configuration, skbp beside MLP."""
    fig, ax = plt.subplots(figsize=(10, 4.2))
    y = range(len(rows))
    for shift, who, label in ((-0.2, "skbp", "skbp"), (0.2, "mlp", "MLP")):
        ax.barh(
            [i + shift for i in y],
            [row[who]["peak_mib"] for row in rows],
            height=0.4,
            label=label,
        )
    ax.set_yticks(list(y), names)
    ax.invert_yaxis()
    ax.set(
        xlabel="peak memory of one fit or predict call (MiB, tracemalloc)",
        title=f"memory per configuration — {where}",
    )
    ax.title.set_fontsize(9)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
