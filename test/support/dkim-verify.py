"""Verifies the DKIM signature of a message with dkimpy (Debian package python3-dkim), an
independent implementation, answering the key lookup with the given TXT record instead of DNS.

    /usr/bin/python3 test/support/dkim-verify.py MESSAGE.eml 'v=DKIM1; k=rsa; p=...'

Prints {"ok": true} or {"ok": false}.
"""

import json
import sys

import dkim

with open(sys.argv[1], 'rb') as source:
    message = source.read()
record = sys.argv[2].encode()


def lookup(name, timeout=5):
    return record


print(json.dumps({'ok': bool(dkim.verify(message, dnsfunc=lookup))}))
