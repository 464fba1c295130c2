commons-ledger export manifest
vectors.commons-ledger.local/spec
26
P9+q0tx7NIsbnWuDbVw155uDG4865mDkfy+xeJqoDqA=
0e0f829418f55bcf87114953547c3091d686fad2b02d77b382687a45cfedc4b9

— vectors.commons-ledger.local/spec Z+v+gH93RxOJ9clbh3D5XKPgm11w4qfWWf3O6K6c+o/Cdy5nB80tOCzwXtSWIh2n/GB+BpCWv96FAAS9xab98x4pLQE=
