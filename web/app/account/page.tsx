import type { Metadata } from "next";
import AccountPage from "@/components/AccountPage";
import Dashboard from "@/components/Dashboard";
import "./account.css";

export const metadata: Metadata = { title: "Account" };

export default function Account() {
  return (
    <Dashboard>
      <AccountPage />
    </Dashboard>
  );
}
