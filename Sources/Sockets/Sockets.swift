// `import Sockets` is the whole library: the layers below the server, each a module
// of its own so that a lower one cannot use a higher one, are re-exported here.
@_exported import SocketsCore
@_exported import SocketsReactor
@_exported import SocketsSystem
@_exported import SocketsTLS
