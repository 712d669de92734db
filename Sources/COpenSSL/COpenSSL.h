// The system OpenSSL 3 (libssl-dev), and functions for the macros Swift cannot call.
#ifndef COPENSSL_H
#define COPENSSL_H

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

/// `SSL_set_tlsext_host_name`: the server name sent as SNI.
static inline int copenssl_set_server_name(SSL *ssl, const char *name) {
    return (int)SSL_set_tlsext_host_name(ssl, name);
}

/// `SSL_CTX_set_min_proto_version`.
static inline int copenssl_set_minimum_version(SSL_CTX *context, int version) {
    return (int)SSL_CTX_set_min_proto_version(context, version);
}

/// `SSL_CTX_set_max_proto_version`.
static inline int copenssl_set_maximum_version(SSL_CTX *context, int version) {
    return (int)SSL_CTX_set_max_proto_version(context, version);
}

/// `SSL_CTX_set_mode`.
static inline long copenssl_set_mode(SSL_CTX *context, long mode) {
    return SSL_CTX_set_mode(context, mode);
}

/// `SSL_CTX_set_session_cache_mode`.
static inline long copenssl_set_session_cache_mode(SSL_CTX *context, long mode) {
    return SSL_CTX_set_session_cache_mode(context, mode);
}

/// `SSL_CTX_add_extra_chain_cert`: takes ownership of `certificate` on success.
static inline long copenssl_add_extra_chain_certificate(SSL_CTX *context, X509 *certificate) {
    return SSL_CTX_add_extra_chain_cert(context, certificate);
}

/// `SSL_CTX_set_options` with what every context of this library sets: renegotiation
/// refused, no compression; and read-ahead (`SSL_CTX_set_read_ahead`): one `recv` takes
/// whatever has arrived, instead of one for each record's header and one for its body.
static inline void copenssl_set_default_options(SSL_CTX *context) {
    SSL_CTX_set_options(context, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
    SSL_CTX_set_read_ahead(context, 1);
    SSL_CTX_set_default_read_buffer_len(context, 4 * (SSL3_RT_MAX_PLAIN_LENGTH + SSL3_RT_MAX_ENCRYPTED_OVERHEAD));
}

/// `OPENSSL_free`.
static inline void copenssl_free(void *pointer) {
    OPENSSL_free(pointer);
}

#endif
