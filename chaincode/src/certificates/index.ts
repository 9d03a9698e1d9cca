export * from './model';
export { CertificateBook, certificateIdOf, certificatesCollection } from './book';
export { bindCertificatesToSettlement, pairDeliveries } from './settle-hook';
export { eraseCertificateHolder, holderSecretPresent, type CertificateErasure } from './erase';
export { CertificatesContract } from './contract';
