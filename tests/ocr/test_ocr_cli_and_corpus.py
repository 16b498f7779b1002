import io
import json

from ocr.cli import main
from ocr.corpus import generate
from ocr.corpus.data import fictional_licence
from portal.domain import uscc


def test_cli_refuses_a_file_that_is_not_an_image(tmp_path):
    bad = tmp_path / "notes.txt"
    bad.write_text("not a licence")
    err = io.StringIO()
    assert main(["licence", str(bad)], out=io.StringIO(), err=err) == 2
    assert "JPEG, PNG or PDF" in err.getvalue()


def test_cli_reports_a_missing_file(tmp_path):
    err = io.StringIO()
    assert main(["licence", str(tmp_path / "nope.jpg")], err=err) == 2
    assert "cannot read" in err.getvalue()


def test_corpus_is_deterministic_and_its_codes_are_valid(tmp_path):
    import random

    a = fictional_licence(random.Random("1:3"))
    b = fictional_licence(random.Random("1:3"))
    assert a == b
    assert uscc.is_valid(a.uscc) and a.uscc[:2] in ("91", "92", "93")
    paths = generate(tmp_path, 1, seed=9)
    truth = json.loads(paths[0].with_suffix(".json").read_text())
    assert truth["fields"]["uscc"] in truth["qr_payload"]
    assert len(truth["licence_number"]) == 20


def test_the_held_out_style_draws_each_kind_with_its_own_labels():
    from ocr.corpus import make_licence

    truths = [make_licence(21, i, style="heldout")[1] for i in range(6)]
    kinds = {t["fields"]["entity_type"] for t in truths}
    assert len(kinds) == 6
    for t in truths:
        if t["fields"]["entity_type"] == "个体工商户":
            assert t["absent"] == ["term_from", "term_to"] and t["fields"]["term_from"] is None
    assert any("watermark" in t["marks"] for t in truths)
    assert any("photocopy" in t["marks"] for t in truths)


def test_the_cli_table_names_the_credit_code_a_disagreeing_qr_code_carries():
    from ocr.cli import _table
    from ocr.fields import UsccRead, build_reading
    from ocr.model import Layout

    reads = [UsccRead("t", "91110000600037341L", 1.0)]
    qr = "http://www.gsxt.gov.cn/index.html?uniscid=91120116023704967J"
    out = io.StringIO()
    _table(build_reading({}, Layout.LANDSCAPE, uscc_reads=reads, qr_payload=qr), out)
    assert "finding: the QR code names another credit code, 91120116023704967J" in out.getvalue()
