commons-ledger export manifest
vectors.commons-ledger.local/spec
26
P9+q0tx7NIsbnWuDbVw155uDG4865mDkfy+xeJqoDqA=
ee8db187944235bde87a227c91d99dbce5a9ddac91c624704cdaf7ac214c23c1

— vectors.commons-ledger.local/spec Z+v+gLzPXEQKrPqVmoI9r+enTgXCtn+ZZz8VM/n2pJ4Lw41D+r5Vk6vk6gtgMXnBWMIFbxsVJPBonku6c+SwTHmsuA4=
