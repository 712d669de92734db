// OpenSSL glue that needs C callbacks. Typed with `void *` so that this module does
// not include OpenSSL's headers a second time (Swift sees them through COpenSSL).
#ifndef CSOCKETS_TLS_H
#define CSOCKETS_TLS_H

#include <stddef.h>

/// A socket BIO (`BIO *`) for `fd` that sends with `MSG_NOSIGNAL` (OpenSSL's own uses
/// `write`, which raises SIGPIPE on a connection the peer closed) and does not close
/// `fd`. The records OpenSSL writes are kept until a flush (OpenSSL's `BIO_flush`, or
/// `csockets_tls_flush` after each call), which sends them with one `send`. NULL when
/// out of memory.
void *csockets_tls_socket_bio(int fd);

/// Sends the records the socket BIO of `ssl` (`SSL *`) holds: 1 when none is left, 0 when
/// the socket takes no more now (the rest is kept), -1 on a failure (`errno` says which).
int csockets_tls_flush(void *ssl);

/// `SSL_read_ex` into `buffer` again and again until `length` bytes are read or the
/// socket is drained: after a `recv` that returned less than asked for, only the bytes
/// OpenSSL already holds are used (no `recv` that would say `EAGAIN`). `*count` is the
/// number read; returns the last `SSL_read_ex` result (1: the buffer is full or nothing
/// was left; otherwise see `SSL_get_error`, where `SSL_ERROR_WANT_READ` means drained).
int csockets_tls_read_more(void *ssl, void *buffer, size_t length, size_t *count);

/// Frees the memory the socket BIO of `ssl` keeps for records to send, if none is
/// waiting: for a connection about to wait for the peer, so that an idle one holds none.
void csockets_tls_release_idle(void *ssl);

/// Whether the last read of the socket BIO of `ssl` (`SSL *`) since the previous call
/// returned less than OpenSSL asked for, i.e. drained the socket (with read-ahead OpenSSL
/// asks for all the room in its buffer). 1 or 0; clears what it reports.
int csockets_tls_take_drained(void *ssl);

/// Makes a server context (`SSL_CTX *`) choose the first of its own ALPN protocols
/// (`protocols`: the wire format followed by a 0 byte, kept alive by the caller as long
/// as the context) that the client offers; none in common: no ALPN. Returns 1.
int csockets_tls_set_alpn_selection(void *context, const unsigned char *protocols);

#endif
