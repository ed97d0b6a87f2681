"""A TLS server for the real-peer tests, on tlslite-ng (a pure-Python TLS
implementation that still speaks SSL 3.0 and 3DES, which this machine's
OpenSSL no longer can). Usage: tlslite_server.py CERT KEY PORT MIN MAX CIPHERS
where MIN/MAX are "3.0".."3.3" and CIPHERS is a comma-separated tlslite list
(3des, aes128, aes256, rc4, ...). Serves until killed."""
import socket
import sys
import threading

from tlslite import HandshakeSettings, TLSConnection, X509, X509CertChain
from tlslite.utils.keyfactory import parsePEMKey


def main():
    cert_file, key_file, port, lo, hi, ciphers = sys.argv[1:7]
    x509 = X509()
    x509.parse(open(cert_file).read())
    chain = X509CertChain([x509])
    key = parsePEMKey(open(key_file).read(), private=True)
    settings = HandshakeSettings()
    settings.minVersion = tuple(int(x) for x in lo.split("."))
    settings.maxVersion = tuple(int(x) for x in hi.split("."))
    settings.cipherNames = ciphers.split(",")
    settings.keyExchangeNames = ["rsa", "dhe_rsa", "ecdhe_rsa"]
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", int(port)))
    srv.listen(64)

    def serve(conn):
        conn.settimeout(5)
        try:
            tls = TLSConnection(conn)
            tls.handshakeServer(certChain=chain, privateKey=key, settings=settings)
            tls.write(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
            tls.close()
        except Exception:
            pass
        finally:
            conn.close()

    while True:
        conn, _ = srv.accept()
        threading.Thread(target=serve, args=(conn,), daemon=True).start()


main()
