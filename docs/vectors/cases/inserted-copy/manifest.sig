commons-ledger export manifest
vectors.commons-ledger.local/spec
26
P9+q0tx7NIsbnWuDbVw155uDG4865mDkfy+xeJqoDqA=
9b266d8aec9b51a3af9e8e3f1483f45dcdb5dee9bce0d3fa7f0aa97f3e28549f

— vectors.commons-ledger.local/spec Z+v+gHT5HIU9e/NUH+qc6ZpcKdZE1WHJ2Oiom757+igV3nIIPcS+iaAsSyEASLcGRIr7uc7rTm0Njf4KDxZRnrZpxQE=
