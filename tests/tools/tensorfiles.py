#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Writes the .npz and .safetensors fixtures of the tensor-file tests (Debian's python3-numpy).

    /usr/bin/python3 tests/tools/tensorfiles.py OUT_DIR

Good files are written by numpy itself (np.savez, np.savez_compressed) or, for .safetensors, by a
few lines below (an 8-byte little-endian header length, the JSON header, the raw little-endian
bytes). For every array a reader must return, OUT_DIR/expected/FILE.NAME.npy holds the float64
values numpy computes from the same bytes (an independent conversion: numpy's float16 and integer
casts; bfloat16 as the upper half of a float32). OUT_DIR/bad.json lists the bad files:
{"file", "name", "reshape", "kind", "fragment", "tensor"} — the array asked for, the LoadErrorKind
expected, a fragment of the message, and the array the message must name (FILE::NAME), if any.
"""
import json
import os
import struct
import sys
import zipfile
import zlib

import numpy as np

OUT = sys.argv[1]
os.makedirs(os.path.join(OUT, 'expected'), exist_ok=True)
BAD = []


def path(name):
    return os.path.join(OUT, name)


def expect(file, name, values):
    np.save(path('expected/%s.%s.npy' % (file, name)), np.ascontiguousarray(values, dtype=np.float64))


def bad(file, kind, fragment, name='', tensor='', reshape='auto'):
    BAD.append({'file': file, 'name': name, 'reshape': reshape, 'kind': kind, 'fragment': fragment,
                'tensor': tensor})


def safetensors_bytes(tensors, metadata=None):
    """tensors: [(name, dtype, shape, raw bytes)] -> the bytes of a .safetensors file."""
    header, data = {}, b''
    for name, dtype, shape, raw in tensors:
        header[name] = {'dtype': dtype, 'shape': list(shape), 'data_offsets': [len(data), len(data) + len(raw)]}
        data += raw
    if metadata is not None:
        header['__metadata__'] = metadata
    text = json.dumps(header).encode()
    text += b' ' * (-len(text) % 8)  # the reference writer pads the header to 8 bytes
    return struct.pack('<Q', len(text)) + text + data


def raw_header_file(file, header_text, data=b'', length=None):
    text = header_text.encode() if isinstance(header_text, str) else header_text
    with open(path(file), 'wb') as f:
        f.write(struct.pack('<Q', len(text) if length is None else length) + text + data)


def write(file, content):
    with open(path(file), 'wb') as f:
        f.write(content)


# --- .safetensors: every dtype, read back bit for bit --------------------------------------------

halves = np.arange(65536, dtype=np.uint16)
finite_halves = halves[np.isfinite(halves.view(np.float16))]            # 63488 = 62 x 1024
bf16_exponent = (halves >> 7) & 0xff
finite_bf16 = halves[bf16_exponent != 0xff]                               # 65280 = 255 x 256


def bf16_to_f64(bits):
    return (bits.astype(np.uint32) << 16).view(np.float32).astype(np.float64)


ints = {
    'I8': np.array([[-128, 127, 0], [-1, 5, -7]], dtype='<i1'),
    'I16': np.array([[-32768, 32767, 0], [-1, 300, -7]], dtype='<i2'),
    'I32': np.array([[-2**31, 2**31 - 1, 0], [-1, 70000, -7]], dtype='<i4'),
    'I64': np.array([[-2**63, 2**63 - 1, 2**53 + 1], [-1, 10**12, -(2**53) - 3]], dtype='<i8'),
    'U8': np.array([[0, 255, 1], [2, 128, 7]], dtype='u1'),
    'U16': np.array([[0, 65535, 1], [2, 40000, 7]], dtype='<u2'),
    'U32': np.array([[0, 2**32 - 1, 1], [2, 3 * 10**9, 7]], dtype='<u4'),
    'U64': np.array([[0, 2**64 - 1, 2**53 + 1], [2, 10**15, 7]], dtype='<u8'),
    'F64': np.array([[0.1, -1e300, np.pi], [5e-324, -0.0, np.finfo(np.float64).max]], dtype='<f8'),
    'F32': np.array([[0.5, -1.25, np.float32(1.4e-45)], [np.finfo(np.float32).max, -0.0, np.float32(1) / 3]],
                    dtype='<f4'),
    'BOOL': np.array([[True, False, True], [False, False, True]], dtype='?'),
}
tensors = []
for name, a in ints.items():
    tensors.append((name, name, a.shape, a.tobytes()))
    expect('dtypes.safetensors', name, a.astype(np.float64))
f16 = finite_halves.reshape(62, 1024)
tensors.append(('F16', 'F16', f16.shape, f16.astype('<u2').tobytes()))
expect('dtypes.safetensors', 'F16', f16.view(np.float16).astype(np.float64))
bf = finite_bf16.reshape(255, 256)
tensors.append(('BF16', 'BF16', bf.shape, bf.astype('<u2').tobytes()))
expect('dtypes.safetensors', 'BF16', bf16_to_f64(bf))
write('dtypes.safetensors', safetensors_bytes(tensors, {'format': 'pt', 'purpose': 'every dtype'}))

# A small checkpoint: a convolution kernel out x in x kh x kw, its bias, a BF16 projection.
conv = (np.arange(4 * 3 * 3 * 3, dtype=np.float32) - 50.0).reshape(4, 3, 3, 3) / 8
bias = np.array([0.25, -0.5, 1.0, 2.0], dtype='<f4')
proj = np.arange(24, dtype=np.float32).reshape(6, 4)  # exact in bfloat16
proj_bits = (proj.view(np.uint32) >> 16).astype('<u2')
write('checkpoint.safetensors',
      safetensors_bytes([('conv.weight', 'F32', conv.shape, conv.astype('<f4').tobytes()),
                         ('conv.bias', 'F32', bias.shape, bias.tobytes()),
                         ('attn.proj', 'BF16', proj.shape, proj_bits.tobytes())],
                        {'format': 'pt', 'note': 'line one\nline two'}))
expect('checkpoint.safetensors', 'conv.weight', conv.reshape(4, -1))
expect('checkpoint.safetensors', 'conv.bias', bias.reshape(1, -1))
expect('checkpoint.safetensors', 'attn.proj', proj)
write('one.safetensors', safetensors_bytes([('w', 'F64', (3, 2), np.arange(6.0).tobytes())]))
expect('one.safetensors', 'w', np.arange(6.0).reshape(3, 2))

# --- .npz: stored, deflated, zip64 ---------------------------------------------------------------

arrays = {
    'a': np.arange(6.0).reshape(2, 3) / 7,
    'cube': np.arange(24, dtype=np.float32).reshape(2, 3, 4),
    'v': np.array([-3, 0, 5, 32767], dtype=np.int16),
    'fortran': np.asfortranarray(np.arange(6.0).reshape(3, 2) + 0.5),
    'big': (np.arange(4) - 1.5).astype('>f4').reshape(2, 2),
    'half': np.array([[1e-7, 65504, -0.0], [6.1e-5, 2.0**-24, -3.5]], dtype=np.float16),
    'u64': np.array([[2**64 - 1, 1]], dtype=np.uint64),
}
reshaped = {k: (v.reshape(1, -1) if v.ndim == 1 else v.reshape(v.shape[0], -1)) for k, v in arrays.items()}
np.savez(path('arrays.npz'), **arrays)
np.savez_compressed(path('compressed.npz'), **arrays)
for file in ('arrays.npz', 'compressed.npz'):
    for k, v in reshaped.items():
        expect(file, k, v.astype(np.float64))

saved_limit = zipfile.ZIP64_LIMIT
zipfile.ZIP64_LIMIT = 0  # every size and offset "too large": zip64 extra fields and end records
np.savez_compressed(path('zip64.npz'), m=np.arange(35.0).reshape(5, 7), n=np.eye(3))
zipfile.ZIP64_LIMIT = saved_limit
expect('zip64.npz', 'm', np.arange(35.0).reshape(5, 7))
with open(path('zip64.npz'), 'rb') as f:
    assert b'PK\x06\x06' in f.read(), 'no zip64 end record'

np.savez(path('single.npz'), np.arange(20.0).reshape(4, 5))
expect('single.npz', 'arr_0', np.arange(20.0).reshape(4, 5))
np.savez_compressed(path('zeros.npz'), z=np.zeros((512, 512)))  # deflate near its 1032:1 limit
expect('zeros.npz', 'z', np.zeros((512, 512)))
image = (np.arange(2 * 3 * 3) * 10 % 256).astype(np.uint8).reshape(2, 3, 3)
np.save(path('image.npy'), image)
np.savez(path('image.npz'), image=image)
expect('image.npz', 'image', image.reshape(2, 9))
with zipfile.ZipFile(path('mixed.npz'), 'w') as z:
    z.writestr('readme.txt', 'not an array')
    with z.open('w.npy', 'w') as f:
        np.lib.format.write_array(f, np.arange(4.0).reshape(2, 2))
expect('mixed.npz', 'w', np.arange(4.0).reshape(2, 2))

# --- bad .safetensors -------------------------------------------------------------------------------

f32x6 = np.arange(6, dtype='<f4').tobytes()
write('short.safetensors', b'\x10\x00\x00')
bad('short.safetensors', 'Truncated', 'shorter than the 8-byte header length')
raw_header_file('headerlength.safetensors', '{}', length=1000)
bad('headerlength.safetensors', 'Truncated', 'declares a header of 1000 bytes but has only 2 bytes')
raw_header_file('hugeheader.safetensors', '{}', length=2**63)
bad('hugeheader.safetensors', 'Truncated', 'declares a header of 9223372036854775808 bytes')
raw_header_file('notjson.safetensors', '{"w": {"dtype": "F32",')
bad('notjson.safetensors', 'Malformed', 'header that is not valid JSON')
raw_header_file('array.safetensors', '[1, 2, 3]')
bad('array.safetensors', 'Malformed', 'JSON header that is not an object')
raw_header_file('string.safetensors', '"w"')
bad('string.safetensors', 'Malformed', 'JSON header that is not an object')
raw_header_file('overlap.safetensors',
                '{"a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]},'
                ' "b": {"dtype": "F32", "shape": [4], "data_offsets": [8, 24]}}', bytes(24))
bad('overlap.safetensors', 'Malformed', 'overlap those of "a" [0, 16]', tensor='b')
raw_header_file('pastend.safetensors', '{"w": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]}}',
                f32x6[:8])
bad('pastend.safetensors', 'Truncated', 'past the end of the data, which holds 8 bytes', tensor='w')
raw_header_file('mismatch.safetensors', '{"w": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 20]}}',
                f32x6)
bad('mismatch.safetensors', 'Malformed', '20 bytes, but its shape 2 x 3 of F32 needs 24 bytes', tensor='w')
raw_header_file('unknowndtype.safetensors', '{"w": {"dtype": "X99", "shape": [2, 3], "data_offsets": [0, 24]}}',
                f32x6)
bad('unknowndtype.safetensors', 'Malformed', 'unknown dtype "X99"', tensor='w')
raw_header_file('notentry.safetensors', '{"w": 42}')
bad('notentry.safetensors', 'Malformed', 'header entry that is not an object', tensor='w')
raw_header_file('nooffsets.safetensors', '{"w": {"dtype": "F32", "shape": [2, 3]}}', f32x6)
bad('nooffsets.safetensors', 'Malformed', 'without "dtype", "shape" and "data_offsets"', tensor='w')
raw_header_file('negshape.safetensors', '{"w": {"dtype": "F32", "shape": [-2, 3], "data_offsets": [0, 24]}}',
                f32x6)
bad('negshape.safetensors', 'Malformed', 'not a whole number', tensor='w')
raw_header_file('reversed.safetensors', '{"w": {"dtype": "F32", "shape": [0], "data_offsets": [24, 0]}}', f32x6)
bad('reversed.safetensors', 'Malformed', 'end before they begin', tensor='w')
raw_header_file('twice.safetensors',
                '{"w": {"dtype": "F32", "shape": [6], "data_offsets": [0, 24]},'
                ' "w": {"dtype": "F32", "shape": [6], "data_offsets": [0, 24]}}', f32x6)
bad('twice.safetensors', 'Malformed', 'is named twice', tensor='w')
raw_header_file('metadata.safetensors',
                '{"__metadata__": ["pt"], "w": {"dtype": "F32", "shape": [6], "data_offsets": [0, 24]}}', f32x6)
bad('metadata.safetensors', 'Malformed', '"__metadata__" entry that is not an object')
raw_header_file('noarrays.safetensors', '{"__metadata__": {"format": "pt"}}')
bad('noarrays.safetensors', 'Empty', 'contains no arrays')
write('f8.safetensors', safetensors_bytes([('w', 'F8_E4M3', (2, 3), bytes(6))]))
bad('f8.safetensors', 'Unsupported', 'F8_E4M3, which is not supported', tensor='w')
inf16 = np.array([[1, np.inf, 2], [3, 4, 5]], dtype='<f2')
write('inf16.safetensors', safetensors_bytes([('w', 'F16', (2, 3), inf16.tobytes())]))
bad('inf16.safetensors', 'NonFinite', 'value at row 1, column 2 is Inf', tensor='w')
nan_bf16 = np.array([0x3f80, 0x7fc0, 0x3f80, 0xff80], dtype='<u2')  # 1, NaN, 1, -Inf
write('nanbf16.safetensors', safetensors_bytes([('x', 'BF16', (2, 2), nan_bf16.tobytes()),
                                                ('y', 'F32', (1,), np.array([1], '<f4').tobytes())]))
bad('nanbf16.safetensors', 'NonFinite', 'value at row 1, column 2 is NaN', name='x', tensor='x')
neg_inf = np.array([[0, 1], [-np.inf, 2]], dtype='<f4')
write('neginf.safetensors', safetensors_bytes([('w', 'F32', (2, 2), neg_inf.tobytes())]))
bad('neginf.safetensors', 'NonFinite', 'value at row 2, column 1 is -Inf', tensor='w')
bad('checkpoint.safetensors', 'NoSuchName', 'holds no array named "nope"', name='nope')
bad('checkpoint.safetensors', 'NameRequired', 'conv.weight, conv.bias and attn.proj')
bad('checkpoint.safetensors', 'BadReshape', 'rows:5 needs a rows:K with K from 0 to 4', name='conv.weight',
    tensor='conv.weight', reshape='rows:5')
bad('checkpoint.safetensors', 'BadReshape', 'the channels reshape needs a 3-D', name='conv.bias',
    tensor='conv.bias', reshape='channels')

# --- bad .npz -----------------------------------------------------------------------------------------

write('notzip.npz', b'this is not a zip archive at all, just text' * 4)
bad('notzip.npz', 'Malformed', 'is not a zip archive')
with open(path('arrays.npz'), 'rb') as f:
    whole = f.read()
write('truncated.npz', whole[:len(whole) // 2])
bad('truncated.npz', 'Malformed', 'is not a zip archive (an .npz is one), or is truncated')
with zipfile.ZipFile(path('text.npz'), 'w') as z:
    z.writestr('readme.txt', 'hello')
bad('text.npz', 'Unsupported', 'is not a .npy array', tensor='readme.txt')
with zipfile.ZipFile(path('garbage.npz'), 'w') as z:
    z.writestr('x.npy', 'hello, not a .npy')
bad('garbage.npz', 'Malformed', 'is not a NumPy .npy file (wrong magic bytes)', tensor='x')
with zipfile.ZipFile(path('empty.npz'), 'w'):
    pass
bad('empty.npz', 'Empty', 'contains no arrays')
np.savez(path('nan.npz'), w=np.array([[1.0, 2.0], [np.nan, 4.0]]))
bad('nan.npz', 'NonFinite', 'value at row 2, column 1 is NaN', tensor='w')
bad('arrays.npz', 'NoSuchName', 'holds no array named "nope" (its arrays are a, cube, v', name='nope')
bad('arrays.npz', 'NameRequired', 'holds 7 arrays; open one as FILE::NAME with NAME one of a, cube, v')
bad('arrays.npz', 'BadReshape', 'rows:3 needs a rows:K with K from 0 to 2', name='a', tensor='a', reshape='rows:3')


def member_offsets(data, name):
    """(local header offset, central directory entry offset) of a member, from the archive's bytes."""
    entry = data.find(b'PK\x01\x02')
    while entry >= 0:
        name_length = struct.unpack_from('<H', data, entry + 28)[0]
        if data[entry + 46:entry + 46 + name_length] == name.encode():
            return struct.unpack_from('<I', data, entry + 42)[0], entry
        entry = data.find(b'PK\x01\x02', entry + 4)
    raise KeyError(name)


def compressed_start(data, local):
    name_length, extra_length = struct.unpack_from('<HH', data, local + 26)
    return local + 30 + name_length + extra_length


member = np.lib.format
noise = np.random.default_rng(7).standard_normal((64, 64))
with zipfile.ZipFile(path('corrupt.npz'), 'w', zipfile.ZIP_DEFLATED) as z:
    with z.open('w.npy', 'w') as f:
        member.write_array(f, noise)
data = bytearray(open(path('corrupt.npz'), 'rb').read())
local, entry = member_offsets(bytes(data), 'w.npy')
start = compressed_start(bytes(data), local)
compressed_size = struct.unpack_from('<I', data, entry + 20)[0]
for offset in range(compressed_size // 2, compressed_size - 16):  # well after the .npy header
    damaged = bytearray(data[start:start + compressed_size])
    damaged[offset:offset + 16] = bytes(16)
    try:
        zlib.decompressobj(-15).decompress(bytes(damaged))
    except zlib.error:  # zlib itself refuses this stream (not merely a CRC mismatch)
        data[start:start + compressed_size] = damaged
        break
else:
    raise RuntimeError('no corruption zlib refuses')
write('corrupt.npz', bytes(data))
bad('corrupt.npz', 'Malformed', 'has damaged compressed data', tensor='w')

with zipfile.ZipFile(path('crc.npz'), 'w', zipfile.ZIP_STORED) as z:
    with z.open('w.npy', 'w') as f:
        member.write_array(f, np.arange(16.0).reshape(4, 4))
data = bytearray(open(path('crc.npz'), 'rb').read())
local, entry = member_offsets(bytes(data), 'w.npy')
data[compressed_start(bytes(data), local) + 128 + 8 * 5] ^= 0x01  # one bit of the data
write('crc.npz', bytes(data))
bad('crc.npz', 'Malformed', 'fails its CRC check', tensor='w')

with zipfile.ZipFile(path('ratio.npz'), 'w', zipfile.ZIP_DEFLATED) as z:
    z.writestr('w.npy', b''.join([member.magic(1, 0), b'\x76\x00',
                                  b"{'descr': '<f8', 'fortran_order': False, 'shape': (4, 4), }".ljust(117) + b'\n',
                                  bytes(128)]))
data = bytearray(open(path('ratio.npz'), 'rb').read())
local, entry = member_offsets(bytes(data), 'w.npy')
struct.pack_into('<I', data, entry + 24, 0x7fffffff)  # the declared uncompressed size
write('ratio.npz', bytes(data))
bad('ratio.npz', 'Malformed', 'more than deflate can produce (1032 : 1)', tensor='w')

with zipfile.ZipFile(path('storedsize.npz'), 'w', zipfile.ZIP_STORED) as z:
    with z.open('w.npy', 'w') as f:
        member.write_array(f, np.arange(4.0))
data = bytearray(open(path('storedsize.npz'), 'rb').read())
local, entry = member_offsets(bytes(data), 'w.npy')
struct.pack_into('<I', data, entry + 24, struct.unpack_from('<I', data, entry + 24)[0] + 8)
write('storedsize.npz', bytes(data))
bad('storedsize.npz', 'Malformed', 'is stored uncompressed yet declares', tensor='w')

with open(path('bad.json'), 'w') as f:
    json.dump(BAD, f, indent=1)
