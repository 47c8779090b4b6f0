"""The edges of plugins/social_cards: the generator that draws, caches and writes files."""

from __future__ import annotations

import logging
import multiprocessing
import os
import re
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from pelican.generators import Generator, PelicanTemplateNotFound

from connected.files import path_inside, write_atomic
from connected.processes import die_with_parent
from connected.profile import OUTPUT_DIR, ProfileError, cv_path, photo_plan, resize_variant
from connected.social_image import HEIGHT, WIDTH, render_post_card
from connected.typography import smart_text

from .cards import CARD_DIR, CardInputs, card_path, site_label

logger = logging.getLogger(__name__)

# CSS pixel sizes the theme and the email show the photo at; each gets a 1x and a 2x file.
DISPLAY_SIZES = (48, 64, 96, 128)
MIN_PARALLEL_CARDS = 24  # below this a worker pool costs more than it saves
SUBSCRIBE_PAGES = (
    ("subscribe", "subscribe/index.html", "subscribe/"),
    ("subscribe_thanks", "subscribe/thanks/index.html", "subscribe/thanks/"),
)


def _plan_or_fail(settings: dict):
    try:
        return photo_plan(settings)
    except ProfileError as exc:
        raise ProfileError(f"social_cards: {exc}") from None


def profile_globals(settings: dict) -> dict:
    """PROFILE_PHOTO for the templates: per display size, the 1x/2x WebP and fallback paths."""
    plan = _plan_or_fail(settings)
    try:
        cv = cv_path(settings)
    except ProfileError as exc:
        raise ProfileError(f"social_cards: {exc}") from None
    photo = None
    if plan:
        mime = "image/png" if plan.fallback_format == "PNG" else "image/jpeg"
        photo = {"type": mime, "largest": plan.variants[-1].fallback}
        for css in DISPLAY_SIZES:
            one, two = plan.variant(css), plan.variant(css * 2)
            photo[css] = {"webp_1x": one.webp, "webp_2x": two.webp, "src_1x": one.fallback, "src_2x": two.fallback}
    return {"photo": photo, "cv": cv}


def add_profile_globals(generator) -> None:
    """generator_init: PROFILE_PHOTO and PROFILE_CV for every template."""
    values = profile_globals(generator.settings)
    generator.env.globals["PROFILE_PHOTO"] = values["photo"]
    generator.env.globals["PROFILE_CV"] = values["cv"]


def get_generators(pelican):
    return SocialCardsGenerator


def _cache_dir(settings: dict) -> Path:
    return Path(settings.get("CACHE_PATH") or ".cache/pelican") / "social_cards"


def _cached(cache: Path, name: str, make) -> Path:
    """The cached file `name` (named by a digest of its inputs), made once."""
    path = cache / name
    try:
        if path.stat().st_mode & 0o777 != 0o644:
            os.chmod(path, 0o644)  # the site's copy is a link to it: world-readable
        return path
    except OSError:
        pass
    data = make()
    cache.mkdir(parents=True, exist_ok=True)
    write_atomic(path, data, mode=0o644)
    return path


def _place(folder: Path, name: str, source: Path) -> None:
    """Put the cached file `source` at folder/name: a hard link, or a copy.

    A build writes into an empty stage, so linking (one system call) instead of
    writing a thousand cards is what keeps a one-post build from costing what
    the whole site does. Nothing writes into a card in place (Pelican does not
    know these files; deploys read them), so the cache stays as it was.
    """
    target = folder / name
    try:
        # The usual case, a stage with no card in it yet: one system call (link() never
        # replaces a file, so a card already there goes the careful way below).
        os.link(source, target)
        return
    except OSError:
        pass  # a file there already, no folder yet, or no hard links on this file system
    try:
        if os.path.samefile(target, source) or target.read_bytes() == source.read_bytes():
            return
    except OSError:
        pass
    folder.mkdir(parents=True, exist_ok=True)
    temporary = folder / f".{name}.{os.getpid()}.tmp"
    try:
        temporary.unlink(missing_ok=True)
        os.link(source, temporary)
    except OSError:  # another file system, or no hard links there: copy
        write_atomic(target, source.read_bytes(), mode=0o644)
        return
    try:
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


# Only names this plugin makes are ever removed (a build seeds output/ from the
# previous one, so a replaced photo or a retitled post would leave files behind).
_OURS = re.compile(r"^(photo-[0-9a-f]{12}-[0-9]+\.(webp|jpg|png)|[a-z0-9-]+-[0-9a-f]{10}\.png)$")


def _prune(output: Path, keep: set[str]) -> None:
    for folder in (CARD_DIR, OUTPUT_DIR):
        directory = output / folder
        if not directory.is_dir():
            continue
        for child in directory.iterdir():
            rel = f"{folder}/{child.name}"
            if child.is_file() and rel not in keep and _OURS.match(child.name):
                child.unlink()
                logger.debug("social_cards: removed %s", rel)


def _draw(job: tuple) -> bytes:
    inputs, photo_bytes = job
    return render_post_card(inputs.title, inputs.name, inputs.site, photo_bytes)


def _draw_all(cache: Path, missing: dict, photo_bytes: bytes | None) -> None:
    """Draw the cards not in the cache yet into it, on every core when there are
    many (a first build draws one per post: about 15 ms of CPU each)."""
    if not missing:
        return
    cache.mkdir(parents=True, exist_ok=True)
    jobs = [(inputs, photo_bytes) for inputs in missing.values()]
    workers = min(os.cpu_count() or 1, 4)
    images = None
    if workers > 1 and len(jobs) >= MIN_PARALLEL_CARDS:
        try:
            # fork: the children need nothing but the inputs; Pelican's own state is not touched.
            context = multiprocessing.get_context("fork")
            with ProcessPoolExecutor(workers, mp_context=context, initializer=die_with_parent) as pool:
                images = list(pool.map(_draw, jobs, chunksize=16))
        except (OSError, BrokenProcessPool, ValueError) as exc:
            logger.debug("social_cards: drawing in this process (%s)", exc)
    if images is None:
        images = [_draw(job) for job in jobs]
    for digest, data in zip(missing, images, strict=True):
        write_atomic(cache / f"card-{digest}.png", data, mode=0o644)


class SocialCardsGenerator(Generator):
    """Draws the cards (generate_context) and writes cards, photos and subscribe pages.

    Cards only where a link preview can use them: a build with an absolute SITEURL.
    """

    def generate_context(self):
        settings = self.settings
        self._files: dict[str, Path] = {}  # site-relative name -> cached file
        cache = _cache_dir(settings)
        plan = _plan_or_fail(settings)
        photo_bytes = plan.source.read_bytes() if plan else None
        if plan:
            for variant in plan.variants:
                for rel, fmt in ((variant.webp, "WEBP"), (variant.fallback, plan.fallback_format)):
                    name = Path(rel).name
                    self._files[rel] = _cached(
                        cache, name, lambda s=variant.size, f=fmt: resize_variant(photo_bytes, s, f)
                    )
        profile = settings.get("AUTHOR_PROFILE") or {}
        name = str(profile.get("NAME") or settings.get("AUTHOR") or "")
        site = site_label(settings)
        # Published posts, drafts (previewed under drafts/) and hidden posts all have pages.
        everything = [
            *self.context.get("articles", []),
            *self.context.get("drafts", []),
            *self.context.get("hidden_articles", []),
        ]
        everything += [t for a in list(everything) for t in getattr(a, "translations", [])]
        siteurl = str(settings.get("SITEURL") or "").rstrip("/")
        if not siteurl.startswith(("http://", "https://")):
            # og:image must be an absolute URL: without one (a development build)
            # no link preview can fetch a card, so none is drawn and the pages
            # name the default image, as listings do. Production builds draw them.
            self.context["SOCIAL_CARDS_FILES"] = " ".join(sorted(self._files))
            logger.info("social_cards: no cards in a build without an absolute SITEURL (make publish draws them)")
            return
        cards = []
        for article in everything:
            if article.metadata.get("image"):
                continue  # the writer's own Image: wins
            title = smart_text(str(article.title))
            inputs = CardInputs(title=title, name=name, site=site, photo_digest=plan.digest if plan else "")
            cards.append((article, inputs, inputs.digest()))
        missing = {digest: inputs for _article, inputs, digest in cards if not (cache / f"card-{digest}.png").exists()}
        _draw_all(cache, missing, photo_bytes)
        for article, inputs, digest in cards:
            rel = card_path(article.slug, digest)
            if rel not in self._files:
                # Drawn above unless the file went in between: then drawn here, the same way.
                self._files[rel] = _cached(cache, f"card-{digest}.png", lambda i=inputs: _draw((i, photo_bytes)))
            article.social_image = {
                "url": f"{siteurl}/{rel}",
                "width": WIDTH,
                "height": HEIGHT,
                "generated": True,
            }
        drawn, carded = len(missing), len(cards)
        # In the shared context, so fast_build's incremental writer (which
        # fingerprints that context) re-renders pages when a photo or card changes.
        self.context["SOCIAL_CARDS_FILES"] = " ".join(sorted(self._files))
        logger.info("social_cards: %s cards (%s drawn, the rest cached)", carded, drawn)

    def generate_output(self, writer):
        output = Path(self.output_path)
        folders: dict[str, Path] = {}
        for rel, source in self._files.items():
            folder, _, name = rel.rpartition("/")
            if folder not in folders:
                # Names are card_path()'s and the photo plan's: fixed folders, no
                # "..", so checking each folder once keeps every file inside output/.
                folders[folder] = path_inside(output, folder)
            if not _OURS.match(name):
                raise ValueError(f"social_cards: {rel!r} is not a name this plugin makes")
            _place(folders[folder], name, source)
        _prune(output, set(self._files))
        for template, save_as, url in SUBSCRIBE_PAGES:
            try:
                page_template = self.get_template(template)
            except PelicanTemplateNotFound:
                continue  # a theme without the subscribe pages: nothing to write
            writer.write_file(
                save_as,
                page_template,
                self.context,
                relative_urls=self.settings.get("RELATIVE_URLS"),
                page_name=save_as.removesuffix(".html"),
                url=url,
            )
