import SocketsCore

extension TLSSocket: AsyncByteStream {}
