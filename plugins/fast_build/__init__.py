"""fast_build: make `pelican content` faster without changing a byte of output.

- Markdown is converted on every core by forked workers before the article and
  page generators read their files (parallel_markdown.py), and cached by the
  source bytes in CACHE_PATH.
- Pages are rendered and written only when their inputs changed since the last
  build, atomically, in forked processes that run while the feed and email
  handlers work (incremental.py); pages a build no longer makes are removed.
- Each article's and page's URL is computed once, each tag, category and
  author name slugified once (memo_urls.py).
- Tag, category and author lists answer `in` by identity in constant time
  (listings.py): Pelican's listing pages scan them once per post. Translations
  are grouped and static links collected in linear time (pelican_scans.py).
- With FAST_BUILD["TIMINGS"] (or CONNECTED_BUILD_TIMINGS=<file.json>) the time
  spent in each plugin's signal handlers is logged/written (timings.py).

Settings: the FAST_BUILD dict (see settings.py); {"ENABLED": False} turns it all off.
"""

from __future__ import annotations

import logging
import os

from pelican.plugins import signals

from connected.header import forget_reads

from . import settings as fast_settings
from .incremental import IncrementalWriter, writer_class_for
from .listings import index_listings
from .memo_urls import memoise_slugify, memoise_urls
from .parallel_markdown import MarkdownBatch, ParallelMarkdownReader
from .pelican_scans import use_linear_scans
from .timings import PluginTimer

logger = logging.getLogger(__name__)


def _options(settings: dict) -> dict:
    return fast_settings.load(settings)


def on_initialized(pelican) -> None:
    try:
        options = _options(pelican.settings)
    except fast_settings.FastBuildSettingsError:
        # post_checks, next at this signal, reports every bad setting with the
        # settings file and a suggestion; without it, the next fast_build
        # handler (readers_init) raises this error, before anything is read.
        use_linear_scans(False)
        memoise_slugify(False)
        return
    # Every build says whether it uses them: the patches outlive a build in one process.
    use_linear_scans(options["ENABLED"])
    memoise_slugify(options["ENABLED"])
    if options["TIMINGS"]:
        # initialized is sent after every plugin's register(): their receivers
        # exist now. Handlers other plugins connect *at* initialized (link_checks'
        # per-build ones) exist by readers_init, sent before any file is read:
        # wrap again there (already wrapped receivers are skipped).
        timer = PluginTimer()
        timer.wrap_all()

        def wrap_late(sender):
            timer.wrap_all()

        signals.readers_init.connect(wrap_late, weak=False)

        def report(sender):
            signals.finalized.disconnect(report)
            signals.readers_init.disconnect(wrap_late)
            timer.report()

        signals.finalized.connect(report, sender=pelican, weak=False)


def on_readers_init(readers) -> None:
    if not _options(readers.settings)["ENABLED"]:
        return
    from pelican.readers import MarkdownReader

    for ext, cls in list(readers.reader_classes.items()):
        # A reader someone configured on purpose (READERS) is left alone.
        if cls is MarkdownReader:
            readers.reader_classes[ext] = ParallelMarkdownReader


def _start_batch(generator, paths_key: str, excludes_key: str, cache_name: str) -> None:
    options = _options(generator.settings)
    if not options["ENABLED"]:
        return
    readers = [
        r for r in generator.readers.readers.values() if isinstance(r, ParallelMarkdownReader)
    ]
    if not readers:
        return
    extensions = {
        ext for ext, r in generator.readers.readers.items() if isinstance(r, ParallelMarkdownReader)
    }
    paths = []
    # Same file set, in the same order, as the generator's own generate_context().
    for rel in generator.get_files(
        generator.settings[paths_key], exclude=generator.settings[excludes_key]
    ):
        if os.path.splitext(rel)[1][1:] not in extensions:
            continue
        if generator.get_cached_data(rel, None) is not None:
            continue  # Pelican's generator-level cache will serve it
        path = os.path.abspath(os.path.join(generator.path, rel))
        if generator.readers.get_cached_data(path, (None, None))[0] is not None:
            continue  # Pelican's reader-level cache will serve it
        paths.append(path)
    batch = MarkdownBatch(generator.settings, options, paths, cache_name)
    batch.start()
    for reader in readers:
        reader.batch = batch


def _finish_batch(generator) -> None:
    for reader in generator.readers.readers.values():
        if isinstance(reader, ParallelMarkdownReader) and reader.batch is not None:
            reader.batch.finish()
            reader.batch = None


def on_generator_init(generator) -> None:
    """Keep compiled theme templates in CACHE_PATH, so a rebuild does not compile them again,
    and check their files once per build.

    Jinja checks each template's source checksum before reusing its bytecode;
    the directory name carries the Jinja version and the JINJA_ENVIRONMENT
    options, which change the compiled code but not the source.
    """
    env = getattr(generator, "env", None)
    settings = generator.settings
    if env is None or not _options(settings)["ENABLED"]:
        return
    # Each generator has its own environment, made for one build, and no build edits the
    # theme while it runs: Jinja need not stat a template's file again on every render
    # (an `extends` fetches the base template once per page).
    env.auto_reload = False
    if not settings.get("CACHE_PATH"):
        return
    import hashlib

    import jinja2

    flavour = repr((jinja2.__version__, sorted(settings.get("JINJA_ENVIRONMENT", {}).items())))
    tag = hashlib.sha1(flavour.encode("utf-8")).hexdigest()[:12]
    directory = os.path.join(settings["CACHE_PATH"], "fast_build", "jinja-" + tag)
    try:
        os.makedirs(directory, exist_ok=True)
    except OSError:
        return  # no cache, same output
    env.bytecode_cache = jinja2.FileSystemBytecodeCache(directory)


def on_article_generator_init(generator) -> None:
    _start_batch(generator, "ARTICLE_PATHS", "ARTICLE_EXCLUDES", "articles")


def on_page_generator_init(generator) -> None:
    _start_batch(generator, "PAGE_PATHS", "PAGE_EXCLUDES", "pages")


def on_generator_finalized(generator) -> None:
    _finish_batch(generator)


def on_all_generators_finalized(generators) -> None:
    if not generators or not _options(generators[0].settings)["ENABLED"]:
        return
    memoise_urls(generators[0].context)
    for generator in generators:
        index_listings(generator)


def on_article_writer_finalized(generator, writer=None) -> None:
    # Every article page is queued now: render them in the background while the
    # feed and newsletter handlers of this same signal run in this process.
    # They run after this one because fast_build is listed first in PLUGINS
    # (Pelican >= 4.9 calls receivers in plugin order); listed later, the pages
    # still come out the same, only without the overlap.
    if isinstance(writer, IncrementalWriter):
        writer.start_flush()


def on_page_writer_finalized(generator, writer=None) -> None:
    # The pages are the last the writer renders. Not waited for here: the renderers
    # finish while this process copies the static files, draws the cards and checks
    # the links, and save_state (finalized) waits for them. Unless a static file is
    # copied where a page is being written: then, as in Pelican, the copy comes
    # last, after the page.
    if isinstance(writer, IncrementalWriter):
        writer.start_flush()
        if writer.renders_any(_copied_paths(generator)):
            writer.finish_flush()
        else:
            writer.finish_ready()


def _copied_paths(generator) -> set[str]:
    """Where the static generator will copy files, as full paths."""
    output = generator.output_path
    statics = generator.context.get("staticfiles", [])
    paths = {os.path.normpath(os.path.join(output, str(static.save_as))) for static in statics}
    theme = generator.settings.get("THEME_STATIC_DIR")
    if theme:
        paths.add(os.path.normpath(os.path.join(output, theme)))  # a folder: a page inside it counts
    return paths


def on_get_writer(pelican):
    options = _options(pelican.settings)
    if not (options["ENABLED"] and options["INCREMENTAL"]):
        return None
    writer_class = writer_class_for(pelican.settings, options)

    def save_state(sender):
        signals.finalized.disconnect(save_state)
        state = writer_class.state
        if state.writer is not None:
            state.writer.flush()  # also waits for renderers started earlier
        state.save()

    # The state is saved only after every generator wrote its pages: an
    # interrupted build keeps the previous state, which never matches new files.
    signals.finalized.connect(save_state, sender=pelican, weak=False)
    return writer_class


def register() -> None:
    # Files read once per build (connected/header.py), never across builds; scripts/build.py
    # lets them go when the build ends.
    signals.initialized.connect(forget_reads)
    signals.initialized.connect(on_initialized)
    signals.readers_init.connect(on_readers_init)
    signals.generator_init.connect(on_generator_init)
    signals.article_generator_init.connect(on_article_generator_init)
    signals.page_generator_init.connect(on_page_generator_init)
    signals.article_generator_finalized.connect(on_generator_finalized)
    signals.page_generator_finalized.connect(on_generator_finalized)
    signals.all_generators_finalized.connect(on_all_generators_finalized)
    signals.get_writer.connect(on_get_writer)
    signals.article_writer_finalized.connect(on_article_writer_finalized)
    signals.page_writer_finalized.connect(on_page_writer_finalized)
