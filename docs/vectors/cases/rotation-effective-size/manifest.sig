commons-ledger export manifest
vectors.commons-ledger.local/spec
26
X+GigrN5y060E/rsAId+aulvouYO01dVcwDWj7JftcA=
35a78407a5f348de4b78c48a3b5f70fc8a9f64c6f34631a11222da549615ac1b

— vectors.commons-ledger.local/spec Z+v+gDm8+o25Nh8YZ7JpKGjeDyn0DRh7Fy3m7bSXtjUlHpdvnD9FQNzo5bIzw/1fHBQGaahT41IzgLZSg5a6sg+Faw4=
