import Foundation
import GRDB

/// A team of the sandbox and its two test keys.
public struct SandboxTeam: Sendable, Equatable {
    public let id: String
    public let name: String
    public let slug: String
    public let secretKey: String
    public let publishableKey: String
}

/// Durable state of the sandbox: teams, keys, every resource record, idempotency answers. SQLite in WAL mode.
public struct SandboxStore: Sendable {
    let pool: DatabasePool

    public init(path: String) throws {
        var config = Configuration()
        config.busyMode = .timeout(10)
        config.prepareDatabase { db in
            // Tuned for a local emulator's throughput. Under WAL, synchronous=NORMAL syncs at checkpoints, not at
            // every commit: a commit survives the sandbox being killed (its WAL frames are written, only not synced),
            // only a power loss may take the last transactions, which a sandbox can afford. Readers get a modest page
            // cache; the writer a large one (below).
            try db.execute(sql: "PRAGMA synchronous = NORMAL; PRAGMA cache_size = -16384; PRAGMA temp_store = MEMORY")
        }
        pool = try DatabasePool(path: path, configuration: config)
        try pool.writeWithoutTransaction { db in
            // 64 MiB of pages for the writer: the record indexes of a 100k-ticket rehearsal stay in memory. A WAL of up
            // to 8,192 pages (32 MiB at 4 KiB) between checkpoints: a page written by many requests is copied back once.
            try db.execute(sql: "PRAGMA cache_size = -65536; PRAGMA wal_autocheckpoint = 8192; PRAGMA journal_size_limit = 67108864")
        }
        try Self.migrator.migrate(pool)
    }

    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        // Migrations are only ever appended: a sandbox file must keep its data across versions.
        m.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE team (id TEXT PRIMARY KEY, name TEXT NOT NULL, slug TEXT NOT NULL, created_at TEXT NOT NULL);
                CREATE TABLE api_key (key TEXT PRIMARY KEY, team_id TEXT NOT NULL REFERENCES team(id), kind TEXT NOT NULL);
                CREATE TABLE record (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    team_id TEXT NOT NULL,
                    resource TEXT NOT NULL,
                    id TEXT NOT NULL,
                    ref_id TEXT,
                    created_at TEXT NOT NULL,
                    data TEXT NOT NULL
                );
                CREATE UNIQUE INDEX record_id ON record(team_id, resource, id);
                CREATE INDEX record_ref ON record(team_id, resource, ref_id);
                CREATE INDEX record_created ON record(team_id, resource, created_at);
                CREATE TABLE record_key (
                    team_id TEXT NOT NULL, resource TEXT NOT NULL, name TEXT NOT NULL, value TEXT NOT NULL,
                    record_id TEXT NOT NULL,
                    PRIMARY KEY (team_id, resource, name, value)
                );
                CREATE INDEX record_key_record ON record_key(team_id, resource, record_id);
                CREATE TABLE membership (team_id TEXT NOT NULL, group_id TEXT NOT NULL, customer_id TEXT NOT NULL, created_at TEXT NOT NULL,
                    PRIMARY KEY (team_id, group_id, customer_id));
                CREATE TABLE settings (team_id TEXT PRIMARY KEY, data TEXT NOT NULL);
                CREATE TABLE idempotency (
                    team_id TEXT NOT NULL, key TEXT NOT NULL, fingerprint TEXT NOT NULL,
                    status INTEGER NOT NULL, headers TEXT NOT NULL, body BLOB NOT NULL, created_at REAL NOT NULL,
                    PRIMARY KEY (team_id, key)
                );
                """)
        }
        return m
    }

    // MARK: Teams and keys

    /// The teams in the file, creating `count` teams (with seeded members) when there are fewer.
    public func ensureTeams(count: Int) throws -> [SandboxTeam] {
        try pool.write { db in
            var teams = try Self.teams(db)
            while teams.count < max(1, count) {
                let n = teams.count + 1
                let name = n == 1 ? "Sandbox Team" : "Sandbox Team \(n)"
                let team = SandboxTeam(id: UUID().uuidString.lowercased(), name: name, slug: n == 1 ? "sandbox" : "sandbox-\(n)",
                                       secretKey: "sk_test_" + Self.randomToken(32), publishableKey: "pk_test_" + Self.randomToken(32))
                try db.execute(sql: "INSERT INTO team (id, name, slug, created_at) VALUES (?, ?, ?, ?)",
                               arguments: [team.id, team.name, team.slug, Timestamps.format(Date())])
                try db.execute(sql: "INSERT INTO api_key (key, team_id, kind) VALUES (?, ?, 'secret'), (?, ?, 'publishable')",
                               arguments: [team.secretKey, team.id, team.publishableKey, team.id])
                try Self.seedMembers(db, teamId: team.id)
                teams.append(team)
            }
            return teams
        }
    }

    static func teams(_ db: Database) throws -> [SandboxTeam] {
        let rows = try Row.fetchAll(db, sql: """
            SELECT t.id, t.name, t.slug,
              (SELECT key FROM api_key WHERE team_id = t.id AND kind = 'secret' ORDER BY rowid LIMIT 1) AS sk,
              (SELECT key FROM api_key WHERE team_id = t.id AND kind = 'publishable' ORDER BY rowid LIMIT 1) AS pk
            FROM team t ORDER BY t.rowid
            """)
        return rows.map { SandboxTeam(id: $0["id"], name: $0["name"], slug: $0["slug"], secretKey: $0["sk"], publishableKey: $0["pk"]) }
    }

    /// Agents every sandbox team starts with, so that assignment can be mapped by email.
    static func seedMembers(_ db: Database, teamId: String) throws {
        let seeded: [(String, String, String)] = [
            ("Olivia Owner", "owner@sandbox.cstar.test", "owner"),
            ("Alex Agent", "alex.agent@sandbox.cstar.test", "agent"),
            ("Sam Support", "sam.support@sandbox.cstar.test", "agent"),
            ("Morgan Manager", "morgan.manager@sandbox.cstar.test", "manager"),
        ]
        for (name, email, role) in seeded {
            let data: SJSON = .object([("name", .string(name)), ("email", .string(email)), ("role", .string(role))])
            _ = try RecordRepository(db: db, teamId: teamId).insert(Schemas.members, data: data, createdAt: Timestamps.format(Date()), updatedAt: nil)
        }
    }

    struct KeyInfo: Sendable {
        let teamId: String
        let kind: String
    }

    func keyInfo(_ key: String) throws -> KeyInfo? {
        try pool.read { db in
            try Row.fetchOne(db, sql: "SELECT team_id, kind FROM api_key WHERE key = ?", arguments: [key])
                .map { KeyInfo(teamId: $0["team_id"], kind: $0["kind"]) }
        }
    }

    func team(_ id: String) throws -> SandboxTeam? {
        try pool.read { db in try Self.teams(db).first { $0.id == id } }
    }

    /// Number of records of a resource in a team (for tests and diagnostics).
    public func count(resource: String, teamId: String) throws -> Int {
        try pool.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM record WHERE team_id = ? AND resource = ?", arguments: [teamId, resource]) ?? 0
        }
    }

    static func randomToken(_ n: Int) -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        var g = SystemRandomNumberGenerator()
        return String((0..<n).map { _ in alphabet[Int(g.next() % UInt64(alphabet.count))] })
    }
}
