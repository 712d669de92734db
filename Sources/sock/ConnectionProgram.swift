import Sockets
import Subprocess
import SystemPackage

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// A program run for one connection, the socket as its stdin and stdout (ncat's
/// `--exec`, without a shell): `sock listen --exec PROGRAM ARGS...`.
///
/// The program inherits stderr and the environment; its signal dispositions are the
/// defaults. When it exits, the connection is closed: `sock` keeps no copy of the socket.
struct ConnectionProgram: Sendable {
    /// The program: a name looked up in `PATH`, or a path (anything with a `/`).
    let executable: String
    /// Its arguments, each passed as it is.
    let arguments: [String]

    /// Runs the program on `connection`, which it takes over (it is closed here, whatever
    /// happens), and waits for it to end.
    ///
    /// - Returns: The exit code, or 128 + the signal's number.
    /// - Throws: ``CommandFailure`` when the program cannot be started.
    func run(on connection: Socket) async throws -> Int32 {
        // The descriptor leaves the Socket in blocking mode, as a program expects its stdio.
        let input: Int32
        do {
            input = try connection.detach()
        } catch {
            connection.close()
            throw error
        }
        let output = fcntl(input, F_DUPFD_CLOEXEC, 0)
        guard output >= 0 else {
            let reason = String(cString: strerror(errno))
            Glibc.close(input)
            throw CommandFailure("dup: \(reason)")
        }
        // Subprocess closes both descriptors once the program is started, or when starting fails.
        do {
            let result = try await Subprocess.run(
                executable.contains("/") ? .path(FilePath(executable)) : .name(executable),
                arguments: Arguments(arguments),
                input: .fileDescriptor(FileDescriptor(rawValue: input), closeAfterSpawningProcess: true),
                output: .fileDescriptor(FileDescriptor(rawValue: output), closeAfterSpawningProcess: true),
                error: .currentStandardError
            )
            switch result.terminationStatus {
            case .exited(let code): return code
            case .signaled(let signal): return 128 + signal
            }
        } catch let error as SubprocessError {
            if error.code == .executableNotFound { throw CommandFailure("no such program: \(executable)") }
            throw CommandFailure("cannot run \(executable): \(error)")
        }
    }
}
