"""MkDocs hooks of the site: the code is in pingan/mkdocs_hooks.py (this folder is staged without pingan/)."""
from pingan.mkdocs_hooks import on_config, on_env, on_page_content, on_page_markdown, on_post_build  # noqa: F401
