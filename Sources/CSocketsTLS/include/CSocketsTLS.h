// OpenSSL glue that needs C callbacks. Typed with `void *` so that this module does
// not include OpenSSL's headers a second time (Swift sees them through COpenSSL).
#ifndef CSOCKETS_TLS_H
#define CSOCKETS_TLS_H

/// A socket BIO (`BIO *`) for `fd` that sends with `MSG_NOSIGNAL` (OpenSSL's own uses
/// `write`, which raises SIGPIPE on a connection the peer closed) and does not close
/// `fd`. NULL when out of memory.
void *csockets_tls_socket_bio(int fd);

/// Whether the last read of the socket BIO of `ssl` (`SSL *`) since the previous call
/// returned less than OpenSSL asked for, i.e. drained the socket (with read-ahead OpenSSL
/// asks for all the room in its buffer). 1 or 0; clears what it reports.
int csockets_tls_take_drained(void *ssl);

/// Makes a server context (`SSL_CTX *`) choose the first of its own ALPN protocols
/// (`protocols`: the wire format followed by a 0 byte, kept alive by the caller as long
/// as the context) that the client offers; none in common: no ALPN. Returns 1.
int csockets_tls_set_alpn_selection(void *context, const unsigned char *protocols);

#endif
