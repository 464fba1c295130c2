"""C2SP signed notes and tlog checkpoints with Ed25519."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ledger_audit import (
    Checkpoint,
    CheckpointError,
    KeyFormatError,
    NoteError,
    SignatureError,
    VerificationError,
    key_id,
    verify_checkpoint,
    verify_note,
)

from ledger.signing import generate_signer, sign_checkpoint, sign_note, verifier_key

VECTORS = Path(__file__).resolve().parent.parent / "vectors"
EXAMPLE = json.loads((VECTORS / "c2sp" / "signed-note-example.json").read_text())
ORIGIN = "ledger.example.org/community-credits"
SIGNER, VERIFIER = generate_signer(ORIGIN)
ROOT = bytes(range(32))
CP = Checkpoint(ORIGIN, 20852163, ROOT)
NOTE = sign_checkpoint(CP, SIGNER)


def _signature_line(note: str) -> str:
    return note[note.rindex("\n\n") + 2 :]


# --- the C2SP example ---------------------------------------------------------------


def test_example_key_id():
    name, id_hex, b64 = EXAMPLE["vkey"].split("+")
    raw = base64.b64decode(b64)
    assert raw[0] == 1 and len(raw) == 33
    assert key_id(name, raw[1:]).hex() == id_hex == EXAMPLE["key_id_hex"] == "530d903a"
    assert name == EXAMPLE["key_name"]


def test_example_note_verifies():
    assert verify_note(EXAMPLE["note"], EXAMPLE["vkey"]) == EXAMPLE["text"]
    assert verify_note(EXAMPLE["note"].encode("utf-8"), EXAMPLE["vkey"]) == EXAMPLE["text"]


@pytest.mark.parametrize("position", range(len(EXAMPLE["text"]) - 1))
def test_example_one_changed_character_fails(position):
    note = EXAMPLE["note"]
    replacement = "X" if note[position] != "X" else "Y"
    with pytest.raises(SignatureError):
        verify_note(note[:position] + replacement + note[position + 1 :], EXAMPLE["vkey"])


def test_example_changed_signature_fails():
    note = EXAMPLE["note"]
    line = _signature_line(note)
    prefix, b64 = line[:-1].rsplit(" ", 1)
    raw = bytearray(base64.b64decode(b64))
    for index in (4, 40, len(raw) - 1):  # in the signature, not the key ID
        changed = bytearray(raw)
        changed[index] ^= 0x01
        forged = note[: -len(line)] + f"{prefix} {base64.b64encode(bytes(changed)).decode()}\n"
        with pytest.raises(SignatureError):
            verify_note(forged, EXAMPLE["vkey"])


# --- round trips and key handling ---------------------------------------------------


def test_round_trip():
    assert verify_checkpoint(NOTE, VERIFIER, ORIGIN) == CP
    assert verifier_key(SIGNER) == VERIFIER
    assert NOTE.startswith(f"{ORIGIN}\n20852163\n{base64.b64encode(ROOT).decode()}\n\n\u2014 {ORIGIN} ")
    assert Checkpoint.parse(CP.to_text()) == CP
    text = "Ognuno sta solo sul cuor della terra\n\ned \u00e8 subito sera.\n"  # blank line inside the text
    assert verify_note(sign_note(text, SIGNER), VERIFIER) == text


def test_key_strings():
    assert SIGNER.startswith(f"PRIVATE+KEY+{ORIGIN}+")
    name, id_hex, b64 = VERIFIER.split("+", 2)
    assert name == ORIGIN and len(id_hex) == 8
    assert key_id(ORIGIN, base64.b64decode(b64)[1:]).hex() == id_hex


def test_wrong_name_is_rejected():
    # The same key under another name: a valid vkey, but the signature line names the origin.
    b64 = VERIFIER.split("+", 2)[2]
    public = base64.b64decode(b64)[1:]
    renamed = f"other.example/log+{key_id('other.example/log', public).hex()}+{b64}"
    with pytest.raises(SignatureError, match="no signature"):
        verify_checkpoint(NOTE, renamed, ORIGIN)


def test_signature_lines_match_on_name_and_key_id_together():
    # The trusted key's valid signature, relabelled with another name or another key ID,
    # is "someone else's" (c2sp.org/signed-note: ignore unless name *and* ID match).
    line = _signature_line(NOTE)
    raw = base64.b64decode(line.split()[-1])
    body = NOTE[: -len(line)]
    renamed = body + line.replace(ORIGIN, "other.example/log", 1)
    other_id = body + f"\u2014 {ORIGIN} {base64.b64encode(bytes([raw[0] ^ 1]) + raw[1:]).decode()}\n"
    for note in (renamed, other_id):
        with pytest.raises(SignatureError, match="no signature"):
            verify_checkpoint(note, VERIFIER, ORIGIN)
        assert verify_checkpoint(note + line, VERIFIER, ORIGIN) == CP


def test_wrong_key_id_is_rejected():
    _, other = generate_signer(ORIGIN)  # same name, other key, other key ID
    with pytest.raises(SignatureError, match="no signature"):
        verify_checkpoint(NOTE, other, ORIGIN)


def test_wrong_origin_is_rejected():
    with pytest.raises(CheckpointError, match="origin"):
        verify_checkpoint(NOTE, VERIFIER, "ledger.example.org/other")


def test_unknown_signatures_are_ignored():
    other_signer, other_verifier = generate_signer("witness.example/w1")
    cosigned = NOTE + _signature_line(sign_checkpoint(CP, other_signer))
    assert verify_checkpoint(cosigned, VERIFIER, ORIGIN) == CP
    assert verify_checkpoint(cosigned, other_verifier, ORIGIN) == CP
    # A signature by the trusted name with a different key ID is someone else's, too.
    impostor, _ = generate_signer(ORIGIN)
    only_impostor = sign_checkpoint(CP, impostor)
    with pytest.raises(SignatureError):
        verify_checkpoint(only_impostor, VERIFIER, ORIGIN)
    both = only_impostor + _signature_line(NOTE)
    assert verify_checkpoint(both, VERIFIER, ORIGIN) == CP


def test_a_bad_signature_by_the_trusted_key_rejects_the_note():
    forged = sign_checkpoint(Checkpoint(ORIGIN, 1, ROOT), SIGNER)
    mixed = NOTE + _signature_line(forged)  # a valid and an invalid signature by the same key
    with pytest.raises(SignatureError, match="does not verify"):
        verify_checkpoint(mixed, VERIFIER, ORIGIN)


@pytest.mark.parametrize(
    "key",
    [
        "",
        "example.com/foo",
        "example.com/foo+530d903a",
        "example.com/foo+530D903A+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",  # upper-case hex
        "example.com/foo+530d903b+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",  # wrong key ID
        "example.com/fo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",  # ID of another name
        "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2",  # bad base64
        "example.com/foo+530d903a+AkyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k=",  # not 0x01
        "example.com/foo+530d903a+Aeky",  # short key
        "example com+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",  # space in name
        "+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",  # empty name
        "PRIVATE+KEY+example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",
        None,
        b"example.com/foo",
    ],
)
def test_bad_verifier_keys(key):
    with pytest.raises(KeyFormatError):
        verify_note(EXAMPLE["note"], key)


def test_bad_signer_keys():
    for key in [VERIFIER, SIGNER.replace("PRIVATE+KEY+", ""), SIGNER[:-4], SIGNER.replace(ORIGIN, "x")]:
        with pytest.raises(KeyFormatError):
            sign_note("hello\n", key)
    for name in ["", "a b", "a+b", "a\tb", "a\u00a0b", "a\x00b"]:
        with pytest.raises(KeyFormatError):
            generate_signer(name)


# --- malformed notes and checkpoints ------------------------------------------------


def _resign(text: str) -> str:
    """A note with ``text`` correctly signed, so only the text's form can be at fault."""
    return sign_note(text, SIGNER)


ROOT_B64 = base64.b64encode(ROOT).decode()
URLSAFE_ROOT_B64 = base64.urlsafe_b64encode(bytes([0xFF] * 32)).decode()
SIGLINE = _signature_line(NOTE)
BODY = NOTE[: -len(SIGLINE) - 1]


@pytest.mark.parametrize(
    "note",
    [
        BODY + SIGLINE,  # no blank line
        BODY + "\n" + SIGLINE.replace("\u2014", "-", 1),  # hyphen, not em dash
        BODY + "\n" + SIGLINE.replace("\u2014 ", "\u2014", 1),  # no space after the dash
        BODY + "\n" + SIGLINE.replace("\u2014", "\u2013", 1),  # en dash
        BODY + "\n" + SIGLINE[:-1],  # no final newline
        BODY + "\n",  # no signatures
        BODY + "\n" + SIGLINE + "\n",  # trailing blank line
        BODY + "\n" + SIGLINE + "trailing garbage\n",
        BODY + "\n" + SIGLINE.replace(" ", "  ", 2),  # double space
        BODY + "\n" + f"\u2014 {ORIGIN} !!!!\n",  # bad base64
        BODY + "\n" + f"\u2014 {ORIGIN} {SIGLINE.split()[-1][:-1]}\n",  # bad padding
        BODY + "\n" + f"\u2014 {ORIGIN} AAAAAB==\n",  # non-canonical base64 (padding bits)
        BODY + "\n" + f"\u2014 {ORIGIN} AAAAAA==\n",  # shorter than a key ID and one byte
        BODY + "\n" + f"\u2014 {ORIGIN}\n",  # no signature
        BODY + "\n" + f"\u2014  {SIGLINE.split()[-1]}\n",  # empty name
        BODY + "\n" + f"\u2014 a+b {SIGLINE.split()[-1]}\n",  # plus in name
        NOTE.replace(ORIGIN, ORIGIN + "\r", 1),  # control character
        NOTE.replace(ORIGIN, ORIGIN + "\t", 1),
        NOTE.replace(ORIGIN, ORIGIN + "\ud800", 1),  # lone surrogate
        NOTE.encode("utf-8")[:5] + b"\xff" + NOTE.encode("utf-8")[5:],  # invalid UTF-8
        NOTE.encode("utf-8").replace("\u2014".encode(), b"\xe2\x80"),  # truncated em dash
        BODY + "\n" + SIGLINE * 101,  # too many signatures
        "",
        "\n\n",
        None,
        42,
    ],
)
def test_malformed_notes(note):
    with pytest.raises(NoteError):
        verify_checkpoint(note, VERIFIER, ORIGIN)


@pytest.mark.parametrize(
    "text",
    [
        f"{ORIGIN}\n020852163\n{ROOT_B64}\n",  # leading zero
        f"{ORIGIN}\n00\n{ROOT_B64}\n",
        f"{ORIGIN}\n+5\n{ROOT_B64}\n",
        f"{ORIGIN}\n-5\n{ROOT_B64}\n",
        f"{ORIGIN}\n 5\n{ROOT_B64}\n",
        f"{ORIGIN}\n5 \n{ROOT_B64}\n",
        f"{ORIGIN}\n1_000\n{ROOT_B64}\n",
        f"{ORIGIN}\n\u0665\n{ROOT_B64}\n",  # ARABIC-INDIC DIGIT FIVE
        f"{ORIGIN}\n0x10\n{ROOT_B64}\n",
        f"{ORIGIN}\n{2**64}\n{ROOT_B64}\n",
        f"{ORIGIN}\n{'9' * 5000}\n{ROOT_B64}\n",
        f"{ORIGIN}\n\n{ROOT_B64}\n",
        f"{ORIGIN}\n5\n{ROOT_B64[:-4]}\n",  # 30-byte root
        f"{ORIGIN}\n5\n{base64.b64encode(ROOT + b'x').decode()}\n",  # 33-byte root
        f"{ORIGIN}\n5\n{ROOT_B64.rstrip('=')}\n",  # unpadded
        f"{ORIGIN}\n5\n{ROOT_B64[:-2]}9=\n",  # non-canonical trailing bits
        f"{ORIGIN}\n5\n{URLSAFE_ROOT_B64}\n",  # URL-safe alphabet
        f"{ORIGIN}\n5\n{ROOT_B64}\nextension line\n",  # extension lines are refused
        f"{ORIGIN}\n5\n{ROOT_B64}\n\n",
        f"{ORIGIN}\n5\n",
        f"\n5\n{ROOT_B64}\n",  # empty origin
        "hello\n",
    ],
)
def test_malformed_checkpoints(text):
    note = _resign(text)
    assert verify_note(note, VERIFIER) == text  # the signature is fine ...
    with pytest.raises(CheckpointError):  # ... the checkpoint is not
        verify_checkpoint(note, VERIFIER, ORIGIN)


def test_size_zero_and_max():
    for size in (0, 2**64 - 1):
        cp = Checkpoint(ORIGIN, size, ROOT)
        assert verify_checkpoint(sign_checkpoint(cp, SIGNER), VERIFIER, ORIGIN) == cp


@pytest.mark.parametrize(
    "fields",
    [
        ("", 1, ROOT),
        ("a\nb", 1, ROOT),
        (ORIGIN, -1, ROOT),
        (ORIGIN, 2**64, ROOT),
        (ORIGIN, True, ROOT),
        (ORIGIN, 1, ROOT[:31]),
        (ORIGIN, 1, ROOT.hex()),
        (None, 1, ROOT),
    ],
)
def test_checkpoint_fields_are_checked(fields):
    with pytest.raises(CheckpointError):
        Checkpoint(*fields)


def test_sign_note_refuses_bad_text():
    for text in ["no newline", "", "tab\there\n", None]:
        with pytest.raises(NoteError):
            sign_note(text, SIGNER)


# --- fuzzing: only typed errors, and nothing forged gets through ----------------------


@settings(deadline=None)
@given(st.data())
def test_mutated_notes_never_verify_differently(data):
    note = NOTE.encode("utf-8")
    for _ in range(data.draw(st.integers(1, 3), label="edits")):
        at = data.draw(st.integers(0, len(note)), label="at")
        kind = data.draw(st.sampled_from(["insert", "delete", "replace"]), label="kind")
        byte = bytes([data.draw(st.integers(0, 255), label="byte")])
        if kind == "insert":
            note = note[:at] + byte + note[at:]
        elif kind == "delete":
            note = note[:at] + note[at + 1 :]
        else:
            note = note[:at] + byte + note[at + 1 :]
    try:
        result = verify_checkpoint(note, VERIFIER, ORIGIN)
    except VerificationError:
        return
    assert result == CP


@settings(deadline=None)
@given(st.one_of(st.text(), st.binary()), st.text())
def test_arbitrary_input_raises_only_typed_errors(note, key):
    for vkey in (key, VERIFIER):
        try:
            verify_checkpoint(note, vkey, ORIGIN)
        except VerificationError:
            pass


@settings(deadline=None)
@given(st.text())
def test_checkpoint_parse_is_canonical(text):
    try:
        cp = Checkpoint.parse(text)
    except CheckpointError:
        return
    assert cp.to_text() == text


@settings(deadline=None)
@given(
    st.text(st.characters(exclude_categories=("Cs", "Cc")), min_size=1).filter(lambda s: "\n" not in s),
    st.integers(0, 2**64 - 1),
    st.binary(min_size=32, max_size=32),
)
def test_checkpoint_round_trip(origin, size, root):
    cp = Checkpoint(origin, size, root)
    assert Checkpoint.parse(cp.to_text()) == cp
    assert verify_checkpoint(sign_checkpoint(cp, SIGNER), VERIFIER, origin) == cp
