#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes the fuzz targets' seed corpora: small valid files of every dtype, order and variant
each reader handles (tests/fuzz/corpus/<target>/). Deterministic; the files are committed, this
script is how they were made (needs python3-numpy, python3-scipy, python3-pil).

    /usr/bin/python3 tests/fuzz/make_corpus.py
"""
import io
import os
import struct
import zlib

import numpy as np
import scipy.io
import scipy.sparse

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, 'corpus')


def out(target, name, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode('utf-8')
    with open(os.path.join(d, name), 'wb') as f:
        f.write(data)


def npy_bytes(arr, version=None):
    b = io.BytesIO()
    if version is None:
        np.save(b, arr)
    else:
        np.lib.format.write_array(b, arr, version=version)
    return b.getvalue()


def npy_raw(descr, shape, data, fortran=False, quote="'", align=True, version=1):
    d = "{%sdescr%s: %s%s%s, %sfortran_order%s: %s, %sshape%s: %s, }" % (
        quote, quote, quote, descr, quote, quote, quote, 'True' if fortran else 'False', quote, quote, shape)
    h = d.encode('latin1')
    n = 2 if version == 1 else 4
    if align:
        h += b' ' * ((64 - (8 + n + len(h) + 1) % 64) % 64)
    h += b'\n'
    return b'\x93NUMPY' + bytes([version, 0]) + len(h).to_bytes(n, 'little') + h + data


def make_npy():
    base = np.array([[0, 1, 2], [3, -1, 127]])
    for dt in ('?', 'i1', 'i2', 'i4', 'i8', 'u1', 'u2', 'u4', 'u8', 'f4', 'f8'):
        for bo in ('<', '>'):
            if dt in ('?', 'i1', 'u1') and bo == '>':
                continue
            t = np.dtype(dt).newbyteorder(bo)
            for order in ('C', 'F'):
                a = np.array(base, dtype=t, order=order)
                out('npy', 'a_%s_%s_%s.npy' % (dt.replace('?', 'b1'), 'le' if bo == '<' else 'be', order),
                    npy_bytes(a))
    out('npy', '1d.npy', npy_bytes(np.arange(5, dtype='<f8')))
    rgb = np.arange(2 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3)
    out('npy', '3d_C.npy', npy_bytes(rgb))
    out('npy', '3d_F.npy', npy_bytes(np.asfortranarray(rgb)))
    out('npy', '3d_rgba_f4.npy', npy_bytes(np.ones((2, 2, 4), dtype='<f4')))
    out('npy', 'v2.npy', npy_bytes(np.eye(2), version=(2, 0)))
    out('npy', 'v3.npy', npy_bytes(np.eye(2), version=(3, 0)))
    data = np.arange(6, dtype='<f8').tobytes()
    out('npy', 'double_quotes.npy', npy_raw('<f8', '(2, 3)', data, quote='"'))
    out('npy', 'unaligned.npy', npy_raw('<f8', '(2, 3)', data, align=False))
    out('npy', 'py2_longs.npy', npy_raw('<f8', '(2L, 3L)', data))
    out('npy', 'int8_code_b.npy', npy_raw('|b', '(2, 3)', np.array([-1, 2, 0, 3, 4, 5], 'i1').tobytes()))
    out('npy', 'bool_code_q.npy', npy_raw('|?', '(2, 3)', bytes([1, 0, 1, 0, 0, 1])))
    out('npy', 'native_eq.npy', npy_raw('=f8', '(2, 3)', data))
    out('npy', 'name_float64.npy', npy_raw('float64', '(2, 3)', data))
    out('npy', 'unsupported_c16.npy', npy_raw('<c16', '(1, 1)', b'\0' * 16))
    out('npy', 'structured.npy',
        b'\x93NUMPY\x01\x00' + b'\x46\x00' + b"{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (1,), }   \n"
        + b'\0' * 8)


def make_csv():
    seeds = {
        'comma.csv': '1,2,3\n4,5,6\n',
        'header.csv': 'x,y,z\n1,2,3\n4,5,6\n',
        'quoted_header.csv': '"a,b",c\n1,2\n',
        'pandas_header.csv': ',a,b\n0,1.5,2\n1,3,4\n',
        'quoted_numbers.csv': '"1","2"\n" 3 ","4"\n',
        'tab.tsv': '1\t2\t3\n4\t5\t6\n',
        'semicolon.csv': '1;2\n3;4\n',
        'decimal_comma.csv': '1,5;2,25\n3;4,75\n',
        'whitespace.txt': '  1   2\t3\n4 5 6  \n',
        'savetxt.txt': '1.000000000000000000e+00 2.500000000000000000e+00\n-3.000000000000000000e+00 4.0e-05\n',
        'crlf.csv': '1,2\r\n3,4\r\n',
        'comments.csv': '# made by hand\n1,2\n  # indented\n3,4\n# end\n',
        'bom.csv': '\ufeff1,2\n3,4\n',
        'signs.csv': '+1e3,-2.5E-2\n.5,5.\n',
        'digits17.csv': '0.10000000000000001,3.1415926535897931\n',
        'column.csv': '1\n2\n3\n',
        'trailing_delimiter.csv': '1,2,\n3,4,\n',
        'spreadsheet_rows.csv': '1,2\n,,\n3,4\n,\n',
        'nan.csv': '1,nan\n-inf,2\n',
        'escaped_quote.csv': '"a""b",c\n1,2\n',
        'one_line.csv': ','.join(str(k % 97 - 48) for k in range(200)) + '\n',
    }
    for name, text in seeds.items():
        out('csv', name, text)


def make_mtx():
    b = '%%MatrixMarket matrix '
    seeds = {
        'array_real_general.mtx': b + 'array real general\n% comment\n2 3\n1\n4\n2\n5\n3\n6.5\n',
        'array_integer_general.mtx': b + 'array integer general\n2 2\n1\n-3\n2\n4\n',
        'array_real_symmetric.mtx': b + 'array real symmetric\n3 3\n1\n2\n3\n4\n5\n6\n',
        'array_skew.mtx': b + 'array real skew-symmetric\n3 3\n1\n2\n3\n',
        'array_one_line.mtx': b + 'array real general\n3 3\n1 2 3 4 5 6 7 8 9\n',
        'coordinate_real_general.mtx': b + 'coordinate real general\n% made by hand\n3 4 3\n1 1 1.5\n3 4 -2\n2 3 1e2\n',
        'coordinate_integer.mtx': b + 'coordinate integer general\n2 2 2\n1 2 7\n2 1 -8\n',
        'coordinate_pattern.mtx': b + 'coordinate pattern general\n2 3 3\n1 1\n2 3\n1 3\n',
        'coordinate_symmetric.mtx': b + 'coordinate real symmetric\n3 3 4\n1 1 1\n2 1 2\n3 1 3\n3 3 4\n',
        'coordinate_pattern_symmetric.mtx': b + 'coordinate pattern symmetric\n3 3 2\n2 1\n3 3\n',
        'coordinate_skew.mtx': b + 'coordinate real skew-symmetric\n3 3 2\n2 1 1.5\n3 2 -4\n',
        'duplicates.mtx': b + 'coordinate real general\n2 2 3\n1 1 1\n1 1 2\n2 2 5\n',
        'upper_case_crlf.mtx': '%%MATRIXMARKET MATRIX COORDINATE REAL GENERAL\r\n\r\n2 2 1\r\n1 2 3\r\n',
        'field_double.mtx': b + 'array double general\n1 2\n1\n2\n',
    }
    for name, text in seeds.items():
        out('mtx', name, text)
    m = np.array([[1.5, -2, 0], [0, 3, 4.25]])
    for name, write in (('scipy_array.mtx', lambda f: scipy.io.mmwrite(f, m)),
                        ('scipy_coo.mtx', lambda f: scipy.io.mmwrite(f, scipy.sparse.coo_matrix(m)))):
        b2 = io.BytesIO()
        write(b2)
        out('mtx', name, b2.getvalue())


def make_mat():
    m = np.array([[1.5, -2, 0], [0, 3, 4.25]])
    cases = {
        'v5_double.mat': ({'A': m}, {}),
        'v5_compressed.mat': ({'A': m}, {'do_compression': True}),
        'v4_double.mat': ({'A': m}, {'format': '4'}),
        'v5_int16.mat': ({'A': m.astype(np.int16)}, {}),
        'v5_uint8_compressed.mat': ({'A': np.arange(12, dtype=np.uint8).reshape(3, 4)}, {'do_compression': True}),
        'v5_single.mat': ({'A': m.astype(np.float32)}, {}),
        'v5_int64.mat': ({'A': m.astype(np.int64)}, {}),
        'v5_logical.mat': ({'A': m > 1}, {}),
        'v5_rgb.mat': ({'img': np.arange(18, dtype=np.uint8).reshape(2, 3, 3)}, {}),
        'v5_several.mat': ({'a': m, 'b': np.eye(2)}, {}),
        'v5_skipped_kinds.mat': ({'s': {'f': m}, 'c': np.array([m, 'x'], dtype=object), 't': 'text',
                                  'z': m + 1j, 'sp': scipy.sparse.csc_matrix(m), 'A': m}, {}),
        'v5_struct_compressed.mat': ({'s': {'f': m, 'g': np.eye(2)}, 'A': m}, {'do_compression': True}),
        'v4_text_and_matrix.mat': ({'t': 'ab', 'A': m}, {'format': '4'}),
    }
    for name, (variables, options) in cases.items():
        b = io.BytesIO()
        scipy.io.savemat(b, variables, **options)
        out('mat', name, b.getvalue())


def make_image():
    from PIL import Image
    rng = np.random.default_rng(13)
    rgb = rng.integers(0, 256, (8, 6, 3), dtype=np.uint8)
    grey = rng.integers(0, 256, (8, 6), dtype=np.uint8)
    rgba = rng.integers(0, 256, (8, 6, 4), dtype=np.uint8)
    seeds = [
        ('rgb.png', Image.fromarray(rgb), 'PNG', {}),
        ('grey.png', Image.fromarray(grey), 'PNG', {}),
        ('rgba.png', Image.fromarray(rgba), 'PNG', {}),
        ('palette.png', Image.fromarray(rgb).convert('P'), 'PNG', {}),
        ('grey16.png', Image.fromarray((grey.astype(np.uint16) * 257)), 'PNG', {}),
        ('bits1.png', Image.fromarray(grey > 128), 'PNG', {}),
        ('rgb.jpg', Image.fromarray(rgb), 'JPEG', {'quality': 80}),
        ('grey.jpg', Image.fromarray(grey), 'JPEG', {}),
        ('progressive.jpg', Image.fromarray(rgb), 'JPEG', {'progressive': True}),
        ('rgb.gif', Image.fromarray(rgb).convert('P'), 'GIF', {}),
        ('rgb.bmp', Image.fromarray(rgb), 'BMP', {}),
        ('grey.bmp', Image.fromarray(grey), 'BMP', {}),
        ('rgb.tif', Image.fromarray(rgb), 'TIFF', {}),
        ('rgb_lzw.tif', Image.fromarray(rgb), 'TIFF', {'compression': 'tiff_lzw'}),
        ('grey16.tif', Image.fromarray(grey.astype(np.uint16) * 257), 'TIFF', {}),
        ('rgb.webp', Image.fromarray(rgb), 'WEBP', {'quality': 70}),
        ('lossless.webp', Image.fromarray(rgba), 'WEBP', {'lossless': True}),
        ('rgb.ppm', Image.fromarray(rgb), 'PPM', {}),
        ('grey.pgm', Image.fromarray(grey), 'PPM', {}),
        ('rgb.ico', Image.fromarray(rgb), 'ICO', {}),
        ('rgb.tga', Image.fromarray(rgb), 'TGA', {}),
        ('bits.xbm', Image.fromarray(grey > 128).convert('1'), 'XBM', {}),
    ]
    for name, image, fmt, options in seeds:
        b = io.BytesIO()
        try:
            image.save(b, fmt, **options)
        except (OSError, KeyError, ValueError):
            continue
        out('image', name, b.getvalue())
    out('image', 'square.svg', '<svg xmlns="http://www.w3.org/2000/svg" width="8" height="6">'
                               '<rect x="1" y="1" width="4" height="3" fill="#c33"/></svg>\n')
    out('image', 'ascii.pbm', 'P1\n4 2\n0 1 0 1\n1 0 1 0\n')
    out('image', 'ascii.pgm', 'P2\n3 2\n255\n0 128 255\n10 20 30\n')
    out('image', 'icon.xpm', '/* XPM */\nstatic char *x[] = {\n"2 2 2 1",\n"a c #ff0000",\n"b c #0000ff",\n'
                             '"ab",\n"ba"};\n')
    out('image', 'tiny.wbmp', bytes([0, 0, 8, 2, 0b10101010, 0b01010101]))


def npz_bytes(compressed, **arrays):
    b = io.BytesIO()
    (np.savez_compressed if compressed else np.savez)(b, **arrays)
    return b.getvalue()


def make_npz():
    a = np.arange(6.0).reshape(2, 3)
    out('npz', 'stored.npz', npz_bytes(False, a=a, b=np.eye(2, dtype=np.float32)))
    out('npz', 'deflated.npz', npz_bytes(True, a=a, b=np.eye(2, dtype=np.float32)))
    out('npz', 'single.npz', npz_bytes(False, arr_0=np.arange(4, dtype=np.int16)))
    out('npz', 'dtypes.npz', npz_bytes(True, **{d: np.array([[0, 1], [2, 3]], dtype=d)
                                                for d in ('?', 'i1', 'u1', '<i2', '>u2', '<i4', '<u4', '<i8',
                                                          '>u8', '<f2', '>f4', '<f8')}))
    out('npz', 'fortran_3d.npz', npz_bytes(False, t=np.asfortranarray(np.arange(24.0).reshape(2, 3, 4))))
    out('npz', 'image.npz', npz_bytes(True, image=np.arange(2 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3)))
    out('npz', 'unsupported.npz', npz_bytes(False, c=np.array([1 + 2j]), s=np.array(['ab']), w=a))
    # A member that is not a .npy and a zip64 archive (written with zipfile's force_zip64).
    import zipfile
    b = io.BytesIO()
    with zipfile.ZipFile(b, 'w', compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr('w.npy', npy_bytes(a))
        z.writestr('readme.txt', 'not an array')
        with z.open('big.npy', 'w', force_zip64=True) as f:
            f.write(npy_bytes(np.eye(3)))
    out('npz', 'mixed_zip64.npz', b.getvalue())


def safetensors_bytes(tensors, metadata=None):
    """tensors: [(name, dtype, shape, raw bytes)] -> the bytes of a .safetensors file."""
    import json
    header = {}
    if metadata is not None:
        header['__metadata__'] = metadata
    offset = 0
    for name, dtype, shape, raw in tensors:
        header[name] = {'dtype': dtype, 'shape': list(shape), 'data_offsets': [offset, offset + len(raw)]}
        offset += len(raw)
    text = json.dumps(header).encode('utf-8')
    text += b' ' * ((8 - len(text) % 8) % 8)
    return struct.pack('<Q', len(text)) + text + b''.join(t[3] for t in tensors)


def make_safetensors():
    a = np.arange(6.0).reshape(2, 3)
    out('safetensors', 'one.safetensors', safetensors_bytes([('w', 'F64', (2, 3), a.tobytes())]))
    types = [('F64', '<f8'), ('F32', '<f4'), ('F16', '<f2'), ('I64', '<i8'), ('I32', '<i4'), ('I16', '<i2'),
             ('I8', 'i1'), ('U64', '<u8'), ('U32', '<u4'), ('U16', '<u2'), ('U8', 'u1'), ('BOOL', '?')]
    tensors = [(st, st, (2, 2), np.array([[0, 1], [2, 3]]).astype(nd).tobytes()) for st, nd in types]
    tensors.append(('BF16', 'BF16', (2, 2), struct.pack('<4H', 0, 0x3f80, 0x4000, 0x4040)))
    out('safetensors', 'dtypes.safetensors', safetensors_bytes(tensors, {'format': 'pt'}))
    conv = np.arange(4 * 2 * 3 * 3, dtype=np.float32).reshape(4, 2, 3, 3)
    out('safetensors', 'checkpoint.safetensors',
        safetensors_bytes([('conv.weight', 'F32', conv.shape, conv.tobytes()),
                           ('conv.bias', 'F32', (4,), np.ones(4, np.float32).tobytes()),
                           ('scalar', 'F64', (), np.float64(2).tobytes()),
                           ('f8', 'F8_E4M3', (2,), b'\x00\x01')], {'format': 'pt', 'step': '7'}))
    out('safetensors', 'empty_tensor.safetensors', safetensors_bytes([('e', 'F32', (0, 3), b'')]))


def main():
    # Files are overwritten, not removed: corpus/mat/v73_double.mat (3.4 KB) was written by matio
    # itself (Mat_CreateVer with MAT_FT_MAT73; scipy does not write v7.3) and is kept as it is.
    make_npy()
    make_csv()
    make_mtx()
    make_mat()
    make_image()
    make_npz()
    make_safetensors()
    for target in sorted(os.listdir(CORPUS)):
        files = os.listdir(os.path.join(CORPUS, target))
        size = sum(os.path.getsize(os.path.join(CORPUS, target, f)) for f in files)
        print('%-6s %3d files, %6d bytes' % (target, len(files), size))


if __name__ == '__main__':
    main()
