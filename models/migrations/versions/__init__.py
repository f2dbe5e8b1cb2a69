"""One module per schema revision, applied in order by `ideabot db upgrade`."""
