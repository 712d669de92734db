/// The Lua scripts a cluster node runs in Redis (`EVAL`), each atomic there: name claims
/// are compared and set in one step, so two nodes reconciling at once cannot both win.
enum ChatClusterScripts {
    /// Claims or renews the name keys `KEYS` for node `ARGV[1]` for `ARGV[2]` ms. A key
    /// that is free, this node's, or held by a node whose name sorts after this one's
    /// (Lua's string order) becomes this node's; the others stay. Returns the 1-based
    /// positions in `KEYS` of the names this node does not hold.
    ///
    /// Sorting decides a clash, not who comes first: after an outage in which two nodes
    /// each let a member take the same name, the same member keeps it whichever node
    /// reconnects first (the other node learns at its next renewal).
    static let claimNames = """
        local lost = {}
        for index, key in ipairs(KEYS) do
          local owner = redis.call('GET', key)
          if owner == false or owner == ARGV[1] or ARGV[1] < owner then
            redis.call('SET', key, ARGV[1], 'PX', ARGV[2])
          else
            table.insert(lost, index)
          end
        end
        return lost
        """

    /// Deletes those of the name keys `KEYS` that node `ARGV[1]` holds (a name another node
    /// has won is left alone). Returns how many it deleted.
    static let releaseNames = """
        local released = 0
        for _, key in ipairs(KEYS) do
          if redis.call('GET', key) == ARGV[1] then
            redis.call('DEL', key)
            released = released + 1
          end
        end
        return released
        """

    /// The `EVAL` of `script` on `keys` with `arguments`.
    static func eval(_ script: String, keys: [String], arguments: [String]) -> [String] {
        ["EVAL", script, String(keys.count)] + keys + arguments
    }
}
