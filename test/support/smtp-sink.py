"""A real SMTP server for end-to-end tests: aiosmtpd (Debian package python3-aiosmtpd) on loopback.

Run with the system Python (/usr/bin/python3), where apt puts aiosmtpd:

    /usr/bin/python3 test/support/smtp-sink.py --dir DIR [--port 0] [--auth USER:PASSWORD]
        [--tls-cert CERT.pem --tls-key KEY.pem]   # offer STARTTLS and require it before MAIL

When listening it prints one JSON line, {"port": N}, and it stops when its stdin closes (so it
never outlives the test process). Each accepted message is written to DIR as <n>.eml (the DATA
bytes exactly as received, dot-unstuffed) and <n>.json: the envelope, and the message as Python's
email package reads it (a second, independent parser for the tests to compare with).

The recipient's local part picks the server's answer, to rehearse refusals:
    rcpt-550@...  answers 550 at RCPT TO (any 4yz/5yz code: rcpt-451@, rcpt-553@...)
    data-554@...  accepts RCPT TO, answers 554 at the end of DATA
"""

import argparse
import asyncio
import json
import os
import re
import ssl
import sys
from email import message_from_bytes, policy

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

ENHANCED = {'4': '4.0.0', '5': '5.0.0', '550': '5.1.1', '553': '5.1.3', '554': '5.7.1', '451': '4.3.0', '452': '4.2.2'}


def scripted_answer(address, stage):
    match = re.match(rf'^{stage}-([45]\d\d)(?:[+.-]|@)', address)
    if not match:
        return None
    code = match.group(1)
    return f'{code} {ENHANCED.get(code, ENHANCED[code[0]])} Scripted answer for {address}'


def describe(message):
    parts = []
    for part in message.walk():
        if part.is_multipart():
            continue
        parts.append({
            'contentType': part.get_content_type(),
            'charset': part.get_content_charset(),
            'transferEncoding': part.get('Content-Transfer-Encoding'),
            'content': part.get_content(),
        })
    def header(name):
        value = message[name]
        return None if value is None else str(value)

    return {
        'subject': header('Subject'),
        'from': header('From'),
        'to': header('To'),
        'messageId': header('Message-ID'),
        'contentType': message.get_content_type(),
        'listUnsubscribe': header('List-Unsubscribe'),
        'listUnsubscribePost': header('List-Unsubscribe-Post'),
        'parts': parts,
    }


class Handler:
    def __init__(self, folder):
        self.folder = folder
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        answer = scripted_answer(address, 'rcpt')
        if answer:
            return answer
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return '250 2.1.5 OK'

    async def handle_DATA(self, server, session, envelope):
        for address in envelope.rcpt_tos:
            answer = scripted_answer(address, 'data')
            if answer:
                return answer
        self.count += 1
        name = os.path.join(self.folder, str(self.count))
        record = {
            'mailFrom': envelope.mail_from,
            'mailOptions': envelope.mail_options,
            'rcptTos': envelope.rcpt_tos,
            'rcptOptions': envelope.rcpt_options,
            'login': session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else None,
            'tls': session.ssl is not None,
            'parsed': describe(message_from_bytes(envelope.original_content, policy=policy.default)),
        }
        with open(name + '.json.tmp', 'w') as out:
            json.dump(record, out)
        with open(name + '.eml.tmp', 'wb') as out:
            out.write(envelope.original_content)
        os.replace(name + '.json.tmp', name + '.json')
        os.replace(name + '.eml.tmp', name + '.eml')
        return f'250 2.0.0 Ok: queued as Q{self.count}'


def authenticator_for(credentials):
    user, _, password = credentials.partition(':')

    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user and auth_data.password.decode() == password
        # handled=False: aiosmtpd answers 535 itself (its default, True, means "already answered").
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)

    return authenticate


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--dir', required=True)
    parser.add_argument('--host', default='127.0.0.1')
    parser.add_argument('--port', type=int, default=0)
    parser.add_argument('--auth')
    parser.add_argument('--tls-cert')
    parser.add_argument('--tls-key')
    args = parser.parse_args()

    options = {'hostname': 'sink.test', 'data_size_limit': 10 * 1024 * 1024, 'enable_SMTPUTF8': True}
    if args.tls_cert:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.tls_cert, args.tls_key)
        options.update(tls_context=context, require_starttls=True)
    if args.auth:
        options.update(authenticator=authenticator_for(args.auth), auth_required=True, auth_require_tls=bool(args.tls_cert))

    handler = Handler(args.dir)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(handler, **options), host=args.host, port=args.port)
    print(json.dumps({'port': server.sockets[0].getsockname()[1]}), flush=True)
    await loop.run_in_executor(None, sys.stdin.read)
    server.close()


if __name__ == '__main__':
    asyncio.run(main())
