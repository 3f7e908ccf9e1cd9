package de.inboxgateway.access;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.stereotype.Repository;

/**
 * All SQL on table {@code api_key}. Keys carry 256 random bits, so a single SHA-256 is the right
 * hash (a slow password hash would only slow every request); only the hash is stored.
 */
@Repository
public class ApiKeyRepository {

    private static final SecureRandom RANDOM = new SecureRandom();
    private final NamedParameterJdbcTemplate jdbc;

    public ApiKeyRepository(NamedParameterJdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    public record Created(long id, String key) {
    }

    public Created create(long tenantId, String name, Set<String> scopes) {
        byte[] secret = new byte[32];
        RANDOM.nextBytes(secret);
        String key = "igw_" + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
        long id = jdbc.queryForObject("""
                insert into api_key (tenant_id, name, key_hash, scopes)
                values (:tenant, :name, :hash, :scopes) returning id""", new MapSqlParameterSource()
                .addValue("tenant", tenantId)
                .addValue("name", name)
                .addValue("hash", hash(key))
                .addValue("scopes", scopes.stream().sorted().toArray(String[]::new)), Long.class);
        return new Created(id, key);
    }

    public Optional<ApiPrincipal> findActive(String key) {
        return jdbc.query("""
                select k.id, k.name, k.tenant_id, t.slug, k.scopes
                from api_key k join tenant t on t.id = k.tenant_id
                where k.key_hash = :hash and k.revoked_at is null""", Map.of("hash", hash(key)),
                (rs, row) -> new ApiPrincipal(rs.getLong("id"), rs.getString("name"), rs.getLong("tenant_id"),
                        rs.getString("slug"), Set.of((String[]) rs.getArray("scopes").getArray())))
                .stream().findFirst();
    }

    public List<Map<String, Object>> list(long tenantId) {
        return jdbc.queryForList("""
                select id, name, array_to_string(scopes, ' ') as scopes, created_at, revoked_at
                from api_key where tenant_id = :tenant order by id""", Map.of("tenant", tenantId));
    }

    public boolean revoke(long tenantId, long id) {
        return jdbc.update("""
                update api_key set revoked_at = now()
                where tenant_id = :tenant and id = :id and revoked_at is null""",
                Map.of("tenant", tenantId, "id", id)) == 1;
    }

    static byte[] hash(String key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
