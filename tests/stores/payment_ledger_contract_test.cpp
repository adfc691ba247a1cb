// The PaymentLedger contract, against the SQLite ledger and its in-memory twin.
#include <gtest/gtest.h>

#include "stores/payment/memory_payment_ledger.h"
#include "stores/payment/sqlite_payment_ledger.h"
#include "tests/support/temp_dir.h"

namespace staylab {
namespace {

using payment::Charge;
using payment::ChargeStatus;

struct SqliteLedgerFactory {
  static constexpr const char* kName = "Sqlite";
  testing::TempDir dir;
  std::unique_ptr<PaymentLedger> make() {
    return SqlitePaymentLedger::open(
               {dir / "payment.db", sqlite::Sync::Normal, StoreCreation::CreateIfMissing})
        .value();
  }
};

struct MemoryLedgerFactory {
  static constexpr const char* kName = "Memory";
  std::unique_ptr<PaymentLedger> make() { return std::make_unique<MemoryPaymentLedger>(); }
};

Charge pendingCharge(std::string key, int64_t amount, int64_t at) {
  return Charge{std::move(key), amount, "EUR", ChargeStatus::Pending, "", "", at, at};
}

template <typename Factory>
class PaymentLedgerContract : public ::testing::Test {
 protected:
  Factory m_factory;
  std::unique_ptr<PaymentLedger> m_ledger = m_factory.make();
};

struct FactoryNames {
  template <typename T>
  static std::string GetName(int) {
    return T::kName;
  }
};

using Factories = ::testing::Types<SqliteLedgerFactory, MemoryLedgerFactory>;
TYPED_TEST_SUITE(PaymentLedgerContract, Factories, FactoryNames);

TYPED_TEST(PaymentLedgerContract, OpenStoresTheFirstChargeOfAKeyAndAnswersItAgain) {
  auto& ledger = *this->m_ledger;
  const Charge first = ledger.openCharge(pendingCharge("bkg-1", 12000, 10)).value();
  EXPECT_EQ(first, pendingCharge("bkg-1", 12000, 10));
  // A second open of the key, with other values, changes nothing.
  const Charge again = ledger.openCharge(pendingCharge("bkg-1", 99, 20)).value();
  EXPECT_EQ(again, first);
  EXPECT_EQ(ledger.list().value().size(), 1u);
}

TYPED_TEST(PaymentLedgerContract, SettleMovesOnlyFromTheStatusNamed) {
  auto& ledger = *this->m_ledger;
  ASSERT_TRUE(ledger.openCharge(pendingCharge("bkg-1", 12000, 10)));
  const Charge charged =
      ledger.settle("bkg-1", ChargeStatus::Pending, ChargeStatus::Charged, "psp-7", 30).value();
  EXPECT_EQ(charged.status, ChargeStatus::Charged);
  EXPECT_EQ(charged.provider_reference, "psp-7");
  EXPECT_EQ(charged.updated_at_nanos, 30);
  // A second caller that still thinks it Pending loses: the charge stays as it is.
  const Charge lost =
      ledger.settle("bkg-1", ChargeStatus::Pending, ChargeStatus::Voided, "gave up", 40).value();
  EXPECT_EQ(lost, charged);
  const Charge refunded =
      ledger.settle("bkg-1", ChargeStatus::Charged, ChargeStatus::Refunded, "payment", 50).value();
  EXPECT_EQ(refunded.status, ChargeStatus::Refunded);
  EXPECT_EQ(refunded.provider_reference, "psp-7");
  EXPECT_EQ(refunded.reason, "payment");
  EXPECT_EQ(ledger.find("bkg-1").value(), refunded);
}

TYPED_TEST(PaymentLedgerContract, SettleOfAnUnknownKeyIsNotFound) {
  auto settled =
      this->m_ledger->settle("nobody", ChargeStatus::Pending, ChargeStatus::Charged, "x", 1);
  ASSERT_FALSE(settled);
  EXPECT_EQ(settled.error().code, "payment.not_found");
  EXPECT_FALSE(this->m_ledger->find("nobody").value());
}

TYPED_TEST(PaymentLedgerContract, ListsChargesByCreationThenKey) {
  auto& ledger = *this->m_ledger;
  ASSERT_TRUE(ledger.openCharge(pendingCharge("b", 1, 20)));
  ASSERT_TRUE(ledger.openCharge(pendingCharge("c", 1, 10)));
  ASSERT_TRUE(ledger.openCharge(pendingCharge("a", 1, 20)));
  std::vector<std::string> keys;
  const std::vector<Charge> charges = ledger.list().value();
  for (const Charge& charge : charges) {
    keys.push_back(charge.key);
  }
  EXPECT_EQ(keys, (std::vector<std::string>{"c", "a", "b"}));
}

TEST(SqlitePaymentLedger, KeepsItsChargesAcrossAReopenAndNeverCreatesByAccident) {
  testing::TempDir dir;
  auto missing = SqlitePaymentLedger::open({dir / "payment.db"});
  ASSERT_FALSE(missing);
  EXPECT_FALSE(std::filesystem::exists(dir / "payment.db"));
  {
    auto ledger = SqlitePaymentLedger::open(
                      {dir / "payment.db", sqlite::Sync::Normal, StoreCreation::CreateIfMissing})
                      .value();
    ASSERT_TRUE(ledger->openCharge(pendingCharge("bkg-1", 500, 1)));
    ASSERT_TRUE(ledger->settle("bkg-1", ChargeStatus::Pending, ChargeStatus::Charged, "psp", 2));
  }
  auto reopened = SqlitePaymentLedger::open({dir / "payment.db"}).value();
  auto charge = reopened->find("bkg-1").value();
  ASSERT_TRUE(charge);
  EXPECT_EQ(charge->status, ChargeStatus::Charged);
  EXPECT_TRUE(reopened->verifyIntegrity());
}

}  // namespace
}  // namespace staylab
