commons-ledger export manifest
vectors.commons-ledger.local/spec
26
P9+q0tx7NIsbnWuDbVw155uDG4865mDkfy+xeJqoDqA=
40ede1a8ddccb11c3dcf2fc23f3eadb3038cbf074b27a1416c707ab0aeefbef9

— vectors.commons-ledger.local/spec Z+v+gFZUG7bkI/ZLWPLgy5RVr6B6kOlbyjdXIO9KHqcfINKIcQMlvKIHB/fxXQ05DPuHAeYQOA8+8d+hJiMJ/QG0vw4=
