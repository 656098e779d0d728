/** Passwords: the policy a new password must meet, and how passwords are hashed and verified. */
export {
  PASSWORD_MAX_LENGTH,
  PASSWORD_MAX_RAW_UNITS,
  PASSWORD_MIN_LENGTH,
  PASSWORD_PASSPHRASE_LENGTH,
  assertPasswordPolicy,
  commonPasswords,
  isCommonPassword,
  normalizePassword,
} from "./policy";
export {
  HASH_PREFIX,
  createPasswordHasher,
  pepperId,
  type PasswordHasher,
  type PasswordHasherOptions,
  type PasswordVerification,
} from "./hasher";
