"""Sample-province generator: writes a landing zone in exactly the formats of `feeds.md`.

Run `python -m pipelines.generator --help`. Deterministic by seed; the planted problems are listed in
`<out>/_manifest.json` so that the loaders and dbt can be tested against known answers.
"""
