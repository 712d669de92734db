/// Byte counts as people read them, in binary units: `512 B`, `10.2 KiB`, `3.0 MiB`
/// (the progress of `put`/`get`, `ls -h`).
enum HumanSize {
    /// `512 B`, `10.2 KiB`, `3.0 MiB`, `1.5 GiB`.
    static func bytes(_ count: Int) -> String {
        let (value, unit) = scaled(Double(count))
        guard unit != "B" else { return "\(count) B" }
        return "\(decimal(value, places: 1)) \(unit)"
    }

    /// `512 B/s`, `12.3 MiB/s`, `357 MiB/s`: a whole number from 100 on.
    static func rate(_ bytesPerSecond: Double) -> String {
        let (value, unit) = scaled(bytesPerSecond)
        let number = value >= 100 || unit == "B" ? String(Int(value.rounded())) : decimal(value, places: 1)
        return "\(number) \(unit)/s"
    }

    /// `value` with `places` decimals (1 or 2): `3.0`, `0.14`.
    static func decimal(_ value: Double, places: Int) -> String {
        let scale = places == 1 ? 10 : 100
        let scaled = Int((value * Double(scale)).rounded())
        let fraction = String(scaled % scale)
        return "\(scaled / scale)." + String(repeating: "0", count: places - fraction.count) + fraction
    }

    /// `value` in the largest binary unit that keeps it at least 1.
    private static func scaled(_ value: Double) -> (Double, String) {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = value
        var unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return (value, units[unit])
    }
}
