"""The `pdf.render` worker: HTML, Jinja2 templates or allowlisted URLs to PDF with Debian's Chromium."""
