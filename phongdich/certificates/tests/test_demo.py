from phongdich.certificates import demo, keys


def test_demo_creates_the_signer_once(tmp_path):
    lines = []
    demo.demo_extend(builder=None, log=lines.append)
    kid = keys.signer(create=False).kid
    demo.demo_extend(builder=None, log=lines.append)
    assert keys.signer(create=False).kid == kid
    assert "created" in lines[0] and "present" in lines[1]
