commons-ledger export manifest
vectors.commons-ledger.local/spec
26
P9+q0tx7NIsbnWuDbVw155uDG4865mDkfy+xeJqoDqA=
b0dc51cff8941dc5927e5adc8821cc8215631686e984c4f69fdd82c7fd48e9f5

— vectors.commons-ledger.local/spec Z+v+gKHZGNkJFmOEaWucNfc62/wm2CEiGK0CMt1/8Ko6+Gxi8befOqA/0wd9hNtP80KdXy7V/GFPan74p2yHuXvxUgo=
