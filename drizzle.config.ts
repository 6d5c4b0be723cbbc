import { defineConfig } from 'drizzle-kit';

// One schema and one set of migrations for PGlite (embedded) and PostgreSQL (production).
export default defineConfig({
  dialect: 'postgresql',
  schema: './db/schema.ts',
  out: './db/migrations',
});
