commons-ledger export manifest
vectors.commons-ledger.local/spec
26
RuGKTfRRB/499tuLN3jOLt4xTNa0UAbmXfnfCp3C5Bw=
9d3613cf6d6925b48df06f15399cfc028aa6a442fd585713dc0bd4e4a130b9cb

— vectors.commons-ledger.local/spec Z+v+gDqq3T2XP4/xS/RIhnI3qjy74DatV+goxxTYfIGiJX95LnF9IEP1cwZVv2bq6DIgn/GJj4aVJ8q/6X64GHb7agU=
