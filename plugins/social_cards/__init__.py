"""Social cards: the writer's face and each post's own link-preview image.

- Every post without its own `Image:` gets a 1200×630 PNG card (title, the
  writer's name and photo or initials, the site), drawn by
  connected/social_image.py and cached by its inputs; `article.social_image`
  then points at it, so og:image, twitter:image and JSON-LD do too.
- AUTHOR_PROFILE["PHOTO"] is resized into the square WebP/PNG-or-JPEG variants
  that connected/profile.py plans, cached by the photo's bytes.
- /subscribe/ and /subscribe/thanks/ (Mailchimp's redirect target) are written
  from the theme's subscribe.html and subscribe_thanks.html.
"""

from pelican import signals

from .build import add_profile_globals, get_generators


def register():
    # generator_init: every generator's Jinja environment gets PROFILE_PHOTO
    # (the theme's <picture> sizes) before any template renders.
    signals.generator_init.connect(add_profile_globals)
    # get_generators: our generator runs after the articles and pages exist
    # (generate_context) and writes its files with the rest (generate_output).
    signals.get_generators.connect(get_generators)
