#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Turn the flat guest binary into a C array the library links in."""
import sys

src, dst, name = sys.argv[1:4]
data = open(src, 'rb').read()
with open(dst, 'w') as out:
    out.write('/* generated from %s; do not edit */\n' % src.split('/')[-1])
    out.write('#include <stddef.h>\n')
    out.write('const unsigned char %s[] = {\n' % name)
    for i in range(0, len(data), 12):
        out.write('\t' + ', '.join('0x%02x' % b for b in data[i:i + 12]) + ',\n')
    out.write('};\n')
    out.write('const size_t %s_size = %d;\n' % (name, len(data)))
